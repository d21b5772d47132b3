"""Celery app for the workers the matching tests start: the project app plus test-only knobs from the env.

- TEST_BROKER_VISIBILITY_TIMEOUT: a test that kills a worker needs the broker
  to hand the unacknowledged message to the next worker within seconds, not
  the production hour.
- TEST_REFRESH_PAUSE_SECONDS: fault injection for the crash-recovery test. The
  worker sleeps right after a refresh job is marked done, still inside the
  refresh transaction, so the test can kill it before COMMIT. It lives here,
  not in the production code path.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from celery.signals import worker_init

from config.celery import app

logger = logging.getLogger(__name__)

_timeout = os.getenv("TEST_BROKER_VISIBILITY_TIMEOUT")
if _timeout:
    app.conf.broker_transport_options = {
        "visibility_timeout": int(_timeout),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

_pause = float(os.getenv("TEST_REFRESH_PAUSE_SECONDS", "0") or 0)


def _pause_before_commit(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.state == instance.State.DONE:
        logger.warning("refresh job %s: pausing %.0fs before commit (fault injection)", instance.pk, _pause)
        time.sleep(_pause)


@worker_init.connect
def _install_fault_injection(**kwargs: Any) -> None:
    if not _pause:
        return
    from django.db.models.signals import post_save

    from matching.models import RefreshJob

    post_save.connect(_pause_before_commit, sender=RefreshJob, dispatch_uid="test-refresh-pause")


__all__ = ["app"]
