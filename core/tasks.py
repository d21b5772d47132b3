"""Sending Celery tasks by name, so services never import the task modules that call them.

Each app's `ready()` imports its own `tasks` module, which registers the
tasks with the Celery app; services then reach them through the registry.
This keeps the arrows one way (tasks → services) and, unlike
`app.send_task`, still honours CELERY_TASK_ALWAYS_EAGER in the demo and tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import celery
from celery import current_app
from django.db import transaction

F = TypeVar("F", bound=Callable[..., Any])


def shared_task(**options: Any) -> Callable[[F], F]:
    """celery.shared_task, typed: Celery ships no annotations and `mypy --strict` refuses untyped decorators."""
    return cast(Callable[[F], F], celery.shared_task(**options))


def task_send(name: str, *, queue: str | None = None, **kwargs: Any) -> None:
    """Send the registered task `name` now with JSON-only keyword arguments."""
    options = {"queue": queue} if queue else {}
    current_app.tasks[name].apply_async(kwargs=kwargs, **options)


def task_send_on_commit(name: str, *, queue: str | None = None, **kwargs: Any) -> None:
    """Send the task once the current transaction commits (immediately outside one)."""
    transaction.on_commit(lambda: task_send(name, queue=queue, **kwargs))
