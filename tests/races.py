"""Racing the same service from several threads on PostgreSQL (row locks are what such tests check)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

from core.exceptions import ApplicationError


def race(attempt: Callable[[int], object], runners: int = 6) -> list[str]:
    """Run attempt(0 … runners-1) at the same moment, one thread and database connection each.

    Returns the sorted outcomes: "ok", or the `code` of the ApplicationError an attempt raised.
    """
    barrier = threading.Barrier(runners)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            attempt(i)
            result = "ok"
        except ApplicationError as exc:
            result = str(exc.extra.get("code"))
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)
