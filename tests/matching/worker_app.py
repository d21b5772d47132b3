"""Celery app for the workers the matching tests start: the project app plus broker options from the env.

A test that kills a worker needs the broker to hand the unacknowledged
message to the next worker within seconds, not the production hour.
"""

from __future__ import annotations

import os

from config.celery import app

_timeout = os.getenv("TEST_BROKER_VISIBILITY_TIMEOUT")
if _timeout:
    app.conf.broker_transport_options = {
        "visibility_timeout": int(_timeout),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

__all__ = ["app"]
