"""Test settings: fast hashing, in-memory mail and cache, eager Celery unless a test starts a worker."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# config.settings refuses to start without SECRET_KEY unless DEBUG is true; tests run with
# DEBUG off like production, so they bring a key of their own (any real one still wins).
os.environ.setdefault("SECRET_KEY", "tests-only-not-secret-" + "k" * 40)

from config.settings import *  # noqa: F403

# Each test process (xdist worker) builds its candidate indexes in a directory of its own.
# A test that starts several workers gives them one shared root instead (TEST_ML_INDEX_ROOT).
ML_INDEX_ROOT = Path(os.environ.get("TEST_ML_INDEX_ROOT") or tempfile.mkdtemp(prefix="tsunagu-index-"))

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests change the data and read the dashboard again at once; tests/frontend/test_bureau.py turns the reuse on.
BUREAU_FIGURES_MAX_AGE = 0
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
LANGUAGE_CODE = "ja"
WHITENOISE_AUTOREFRESH = True
