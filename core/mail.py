"""E-mail that leaves after commit and never fails the request that caused it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)


def mail_on_commit(send: Callable[[], object], *, what: str) -> None:
    """Run `send` once the transaction commits; a mail-server failure is logged, not raised.

    For one-off messages (invitations, sign-up notices) whose loss the sender
    can see and repeat; notifications have their own outbox with retries.
    """

    def run() -> None:
        try:
            send()
        except Exception:
            logger.exception("could not send %s", what)

    transaction.on_commit(run)
