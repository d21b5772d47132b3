"""Periodic tasks of the reports app, declared in code (no Django imports: config/celery.py reads it)."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "reports-export-sweep": {"task": "reports.export_jobs_sweep", "schedule": crontab(minute="*/5")},
}
