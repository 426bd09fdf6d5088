"""Short transactions that hold `events` exclusively: retention's detach of a partition and the sorting's
swap of one (workers/ops/partition_drop.py, workers/ops/partition_sort.py).

The lock is taken first, with a short lock timeout, rather than queued behind a long read with every other
query of `events` queued behind it; not had in time, the transaction is tried again a few times. ONLY: the
partitions a transaction needs are locked by the DETACH or ATTACH that needs them, so a vacuum of today's
partition (frequent at volume) does not keep it waiting. Once `events` is held, no new query reaches any
partition.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from psycopg.errors import LockNotAvailable
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from app.core.partition_periods import PARENT

T = TypeVar("T")

LOCK_TIMEOUT = "500ms"  # under deadlock_timeout (1 s): in a lock cycle these give up first
ATTEMPTS = 5
RETRY_SECONDS = 1.0


def with_events_locked(
    engine: Engine,
    work: Callable[[Connection], T],
    busy: Callable[[float], None],
    retry_seconds: float = RETRY_SECONDS,
) -> tuple[T, float]:
    """`work(connection)` in a transaction that first locks `events`; its result and the seconds that
    transaction took (the one that succeeded). `busy(seconds)` is called before each wait for a new try."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            started = time.monotonic()
            with engine.begin() as connection:
                connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
                connection.execute(text(f"LOCK TABLE ONLY {PARENT} IN ACCESS EXCLUSIVE MODE"))
                result = work(connection)
            return result, time.monotonic() - started
        except OperationalError as exc:
            if not isinstance(exc.orig, LockNotAvailable) or attempt == ATTEMPTS:
                raise
            busy(retry_seconds)
            time.sleep(retry_seconds)
    raise AssertionError("unreachable")
