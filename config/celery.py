from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tsunagu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic schedules live in code; django-celery-beat mirrors them into the admin.
from matching.schedule import BEAT_SCHEDULE as MATCHING_SCHEDULE  # noqa: E402
from programmes.schedule import BEAT_SCHEDULE as PROGRAMMES_SCHEDULE  # noqa: E402
from reports.schedule import BEAT_SCHEDULE as REPORTS_SCHEDULE  # noqa: E402

app.conf.beat_schedule = {**MATCHING_SCHEDULE, **PROGRAMMES_SCHEDULE, **REPORTS_SCHEDULE}
