"""Gunicorn settings for the web processes: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Read from the environment like the Django settings. Logs go to stdout/stderr for the
container or systemd to collect.
"""

from __future__ import annotations

import multiprocessing
import os

# All interfaces: in a container the port is published, on a host a reverse proxy
# (which terminates TLS) sits in front. Set GUNICORN_BIND=127.0.0.1:8000 to keep it local.
bind = os.getenv("GUNICORN_BIND", "0.0.0.0:8000")
# Gunicorn's usual 2 x cores + 1; requests are short, ranking runs in Celery workers.
workers = int(os.getenv("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.getenv("GUNICORN_THREADS", "1"))
timeout = int(os.getenv("GUNICORN_TIMEOUT", "60"))
# Restart workers now and then so a slow leak never grows without bound.
max_requests = int(os.getenv("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
# Gunicorn's default line plus the time the request took in the worker (ms), which separates
# slow requests from slow queues when reading latency figures.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
errorlog = "-"
loglevel = os.getenv("LOG_LEVEL", "info").lower()
# Only the proxy may set X-Forwarded-For/-Proto (see TRUSTED_PROXY_COUNT and
# PROXY_SETS_X_FORWARDED_PROTO in .env.example); gunicorn trusts these addresses.
forwarded_allow_ips = os.getenv("FORWARDED_ALLOW_IPS", "127.0.0.1")
