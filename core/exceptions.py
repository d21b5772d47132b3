from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """An expected failure a service reports to its caller.

    The API renders it as {"message": ..., "extra": {...}} with status 400;
    pages show the message next to the form.
    """

    status_code = 400

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFound(ApplicationError):
    """The object does not exist or the actor may not see it (same answer on purpose)."""

    status_code = 404


class PermissionDenied(ApplicationError):
    """The actor may see the object but not perform this action on it."""

    status_code = 403
