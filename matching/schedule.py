"""Periodic tasks of the matching app, declared in code (no Django imports: config/celery.py reads it).

django-celery-beat's DatabaseScheduler copies these entries into its tables
at start-up, so they also show (and can be paused) in the admin.
"""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # The market re-rank of every group (single saved queries are ranked at once, not here).
    "matching-refresh-all": {"task": "matching.recommendations_refresh_all", "schedule": crontab(minute=15)},
    "matching-pending-sweep": {"task": "matching.pending_sweep", "schedule": crontab(minute="*/5")},
    "matching-index-compact": {"task": "matching.index_compact", "schedule": crontab(minute="*/10")},
    "matching-remind": {"task": "matching.introductions_remind", "schedule": crontab(minute="*/30")},
    "matching-expire": {"task": "matching.introductions_expire", "schedule": crontab(minute="5,35")},
    "matching-learn": {"task": "matching.model_train_and_promote", "schedule": crontab(hour=3, minute=30)},
}
