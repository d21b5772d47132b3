"""Test settings: fast hashing, in-memory mail and cache, eager Celery unless a test starts a worker."""

from __future__ import annotations

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
LANGUAGE_CODE = "ja"
WHITENOISE_AUTOREFRESH = True
