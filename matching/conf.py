"""Matching settings with their defaults, read at call time so tests can override them."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def top_k() -> int:
    return int(getattr(settings, "MATCHING_TOP_K", 10))


def reminder_days() -> int:
    return int(getattr(settings, "MATCHING_REMINDER_DAYS", 3))


def expiry_days() -> int:
    return int(getattr(settings, "MATCHING_EXPIRY_DAYS", 14))


def max_open_requests() -> int:
    return int(getattr(settings, "MATCHING_MAX_OPEN_REQUESTS", 3))


def model_dir() -> Path:
    return Path(getattr(settings, "ML_MODEL_DIR", Path("var/models")))


def task_queue() -> str | None:
    """Queue for matching tasks; None = Celery's default queue (ops may route matching to its own workers)."""
    return getattr(settings, "MATCHING_TASK_QUEUE", None) or None


def index_root() -> Path:
    return Path(getattr(settings, "ML_INDEX_ROOT", Path("var/index")))


def delta_max() -> int:
    return int(getattr(settings, "MATCHING_DELTA_MAX", 2000))


# The training task's hard limit (seconds): the broker's visibility timeout must exceed it.
TRAINING_TIME_LIMIT = 3900
