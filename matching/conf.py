"""Matching settings with their defaults, read at call time so tests can override them."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings


def top_k() -> int:
    return int(getattr(settings, "MATCHING_TOP_K", 10))


def reminder_days() -> int:
    return int(getattr(settings, "MATCHING_REMINDER_DAYS", 3))


def expiry_days() -> int:
    return int(getattr(settings, "MATCHING_EXPIRY_DAYS", 14))


def model_dir() -> Path:
    return Path(getattr(settings, "ML_MODEL_DIR", Path("var/models")))


def task_queue() -> str | None:
    """Queue for matching tasks; None = Celery's default queue (ops may route matching to its own workers)."""
    return getattr(settings, "MATCHING_TASK_QUEUE", None) or os.getenv("MATCHING_TASK_QUEUE") or None


def refresh_pause_seconds() -> float:
    """Fault injection for the crash-recovery test only: sleep inside the refresh transaction.

    Read from the environment (not settings) because only a worker started by
    the test sets it; it is never set in production.
    """
    return float(os.getenv("MATCHING_REFRESH_PAUSE_SECONDS", "0") or 0)
