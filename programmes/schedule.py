"""Periodic tasks of the programmes app, declared in code (no Django imports: config/celery.py reads it)."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # Outcome follow-ups due and unanswered: one reminder per firm every 14 days (programmes.kpis).
    "programmes-follow-ups-remind": {"task": "programmes.follow_ups_remind", "schedule": crontab(hour=9, minute=0)},
}
