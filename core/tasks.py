"""Sending Celery tasks by name, so services never import the task modules that call them.

Each app's `ready()` imports its own `tasks` module, which registers the
tasks with the Celery app; services then reach them through the registry.
This keeps the arrows one way (tasks → services) and, unlike
`app.send_task`, still honours CELERY_TASK_ALWAYS_EAGER in the demo and tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

import celery
from celery import current_app
from django.db import transaction

F = TypeVar("F", bound=Callable[..., Any])
logger = logging.getLogger(__name__)


def shared_task(**options: Any) -> Callable[[F], F]:
    """celery.shared_task, typed: Celery ships no annotations and `mypy --strict` refuses untyped decorators."""
    return cast(Callable[[F], F], celery.shared_task(**options))


def task_send(name: str, *, queue: str | None = None, **kwargs: Any) -> None:
    """Send the registered task `name` now with JSON-only keyword arguments."""
    options = {"queue": queue} if queue else {}
    current_app.tasks[name].apply_async(kwargs=kwargs, **options)


def task_send_on_commit(name: str, *, queue: str | None = None, **kwargs: Any) -> None:
    """Send the task once the current transaction commits (immediately outside one).

    The request that caused it has committed by then, so a failure here (the
    broker is down; in eager mode, the task itself failed) is logged, never
    raised: the user's change is saved, and each app's periodic sweep finds
    the work whose message was lost (its rows say what is still to do).
    """

    def send() -> None:
        try:
            task_send(name, queue=queue, **kwargs)
        except Exception:
            logger.exception("task %s%r was not run; its sweep will pick the work up", name, kwargs)

    transaction.on_commit(send)
