"""Tsunagu settings: one module, driven by environment variables.

Without DATABASE_URL the project runs on SQLite and without CELERY_BROKER_URL
Celery runs eagerly, so `make demo` works right after cloning.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# Generic Django classes (ModelAdmin[Organisation], QuerySet[Need]) can then be subscripted at run time too.
django_stubs_ext.monkeypatch()


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}: expected a boolean (true/false), got {value!r}")


def envint(name: str, default: str) -> int:
    value = os.getenv(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected an integer, got {value!r}") from None


def envrate(name: str, default: str) -> str:
    """A DRF throttle rate such as 10/minute (DRF itself only fails on the first request)."""
    value = os.getenv(name, default).strip()
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name}: expected a rate such as 10/minute, got {value!r}")
    return value


DEBUG = envbool("DEBUG", "false")
SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY:
    # Fail closed: a production process (DEBUG off) never signs sessions, tokens or reset
    # links with a key from the repository. Development says DEBUG=true (make demo does;
    # tests/settings.py brings its own key).
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is false. For development, set DEBUG=true "
            "(make demo does); for production, set a long random SECRET_KEY (see .env.example)."
        )
    SECRET_KEY = "dev-insecure-tsunagu-key-change-me"  # noqa: S105
ALLOWED_HOSTS = [h.strip() for h in os.getenv("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000")
CSRF_TRUSTED_ORIGINS = [SITE_URL]

# Reverse proxies in front of the app that append to X-Forwarded-For (0: trust only the
# socket address). Throttles and the login lockout both count clients by this rule.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0")

# HTTPS hardening, on whenever production serves the site over https.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG and SITE_URL.startswith("https://"):
    SECURE_SSL_REDIRECT = True
    # Load balancers probe over plain http.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "true")
    # Asking browsers to preload the domain is a commitment that is hard to undo, so it is
    # opt-in; without it, check --deploy's reminder (W021) is silenced on purpose.
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "false")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Only when the proxy in front sets X-Forwarded-Proto itself (and strips the client's):
# otherwise any client could claim https.
if envbool("PROXY_SETS_X_FORWARDED_PROTO", "false"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    # First, so its registration/ templates (password reset) win over the admin's.
    "frontend",
    "core.admin_site.SuperuserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "django_celery_beat",
    "axes",
    "csp",
    "core",
    "reference",
    "accounts",
    "opportunities",
    "matching",
    "programmes",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a lockout flagged during the login view into a 429 page.
    "axes.middleware.AxesMiddleware",
]

# Scripts and styles come from our own static files only (no inline code anywhere; the
# API docs page widens this for itself, see config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Default database engine is SQLite so a fresh clone runs with no services.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", "0"),
        # With persistent connections, a database restart would otherwise fail the first
        # request on every stale connection: check it (one cheap round trip) before reuse.
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Refuses logins from a locked-out client before the password is even checked.
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (django-axes) on the login page, the admin and the API token endpoint:
# after LOGIN_FAILURE_LIMIT wrong passwords for one e-mail from one address, that pair is
# refused for LOGIN_COOLOFF_MINUTES. Keyed on the pair, not the e-mail alone, so that a
# stranger cannot lock a user out of their account; the API throttles bound guessing
# across addresses.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_COOLOFF_MINUTES", "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The login form and the token API both post the e-mail as "username" (axes would
# otherwise look for USERNAME_FIELD, "email", and count nothing against anyone).
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.backends.lockout_username"
AXES_CLIENT_IP_CALLABLE = "core.api.throttles.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Only failures are needed for the lockout; a log of every successful login would be
# personal data kept for no purpose.
AXES_DISABLE_ACCESS_LOG = True
# Failed logins are kept (who tried which account, from where, when; the last 1,000 per account)
# for security review in the admin: issue 11 asked that they be recorded.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT = 1000
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Japanese is the default UI language; English is switchable.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve app static files without collectstatic in development and tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "Tsunagu <noreply@tsunagu.example.jp>")
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")

# Without CACHE_URL each process counts throttles on its own (fine for one process; with
# several gunicorn workers, point CACHE_URL at Redis so the limits hold across them).
CACHE_URL = os.getenv("CACHE_URL", "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}

REST_FRAMEWORK = {
    # Token first: DRF answers an anonymous request with the first class's challenge, so a
    # missing token gets 401 with WWW-Authenticate: Token rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": envrate("API_THROTTLE_ANON", "60/minute"),
        "user": envrate("API_THROTTLE_USER", "600/minute"),
        # Sign-up and token: password guessing and account spam.
        "auth": envrate("API_THROTTLE_AUTH", "10/minute"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "core.api.exception_handler.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
}
# API tokens (django-rest-knox): stored as hashes, expire, revoked by DELETE /api/v1/auth/token/
# (one) or /api/v1/auth/tokens/ (all), and all of a user's tokens end when the password changes.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=envint("API_TOKEN_TTL_DAYS", "30")),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": 20,
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tsunagu API",
    "DESCRIPTION": "Matching platform for Japanese SMEs, experts and growth-sector buyers. "
    "Compatibility rule: adding fields is fine; type changes and new required inputs need /api/v2/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = os.getenv("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.getenv("CELERY_RESULT_BACKEND", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", "300")
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", "360")
# Redis redelivers an unacknowledged (acks_late) message after this long: it must exceed the
# longest task's hard limit (training: 3,900 s), or a slow task would run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", "14400")}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Matching engine settings.
ML_MODEL_DIR = Path(os.getenv("ML_MODEL_DIR", str(BASE_DIR / "var" / "models")))
# Candidate indexes built by workers; a path every worker (and the web process) can read.
ML_INDEX_ROOT = Path(os.getenv("ML_INDEX_ROOT", str(BASE_DIR / "var" / "index")))
# Changed profiles are ranked from a delta index until the next build; build again past this many.
MATCHING_DELTA_MAX = envint("MATCHING_DELTA_MAX", "2000")
MATCHING_TOP_K = envint("MATCHING_TOP_K", "10")
MATCHING_REMINDER_DAYS = envint("MATCHING_REMINDER_DAYS", "3")
MATCHING_EXPIRY_DAYS = envint("MATCHING_EXPIRY_DAYS", "14")
# Requests a need or opportunity may have open (requested or accepted) at once: an SME asks a few
# experts at a time instead of the whole list, which would waste the experts' time.
MATCHING_MAX_OPEN_REQUESTS = envint("MATCHING_MAX_OPEN_REQUESTS", "3")
# Route matching tasks to their own workers (empty: Celery's default queue).
MATCHING_TASK_QUEUE = os.getenv("MATCHING_TASK_QUEUE", "")
# Seconds the bureau dashboard's figures are reused (the page says when they were computed); 0: always fresh.
BUREAU_FIGURES_MAX_AGE = envint("BUREAU_FIGURES_MAX_AGE", "60")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
}
