"""One run at a time of a beat-scheduled task, whatever number of beats (or workers) sends it.

Two beats running by mistake, a rolling deploy that briefly has two, or a redelivered task overlapping its
first run all send the same task twice. Tasks whose work is claimed row by row (the drain, push_sync's outbox
claims, the poller's per-domain cursor lease) are already safe; the others take a short lease in
`task_leases` and skip the run while another holds it.

The lease is a row updated only when free or expired: the same statement on Postgres (the row lock makes a
second taker wait, then see the lease held) and on SQLite (one writer at a time). No advisory lock, so it
works on both stores and outlives the transaction, which must not stay open across Mailgun calls.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine, or_, update

from app.core.db import insert_ignoring_conflicts
from app.core.models.leases import TaskLease

log = logging.getLogger(__name__)

T = TypeVar("T")

# Longer than any task may run (the Celery hard time limit is 600 s), so a live run never loses its lease;
# short enough that a run killed without releasing frees the task well before its next daily slot.
LEASE_HOLD = timedelta(minutes=15)


def acquire(
    engine: Engine, name: str, hold: timedelta = LEASE_HOLD, now: datetime | None = None
) -> str | None:
    """Take the lease `name` until now + hold; the holder's token, or None while another run holds it."""
    now = now or datetime.now(UTC)
    holder = secrets.token_hex(16)
    with engine.begin() as connection:
        connection.execute(insert_ignoring_conflicts(TaskLease.__table__, connection), {"name": name})
        taken = connection.execute(
            update(TaskLease)
            .where(
                TaskLease.name == name,
                or_(TaskLease.lease_until.is_(None), TaskLease.lease_until < now),
            )
            .values(holder=holder, lease_until=now + hold, updated_at=now)
        ).rowcount
    return holder if taken == 1 else None


def release(engine: Engine, name: str, holder: str) -> None:
    """Free the lease, only if this run still holds it (an expired one may have been taken since)."""
    with engine.begin() as connection:
        connection.execute(
            update(TaskLease)
            .where(TaskLease.name == name, TaskLease.holder == holder)
            .values(holder=None, lease_until=None, updated_at=datetime.now(UTC))
        )


def run_alone(engine: Engine, name: str, work: Callable[[], T], hold: timedelta = LEASE_HOLD) -> T | None:
    """`work()` under the lease `name`; None, without running it, while another run holds the lease."""
    holder = acquire(engine, name, hold)
    if holder is None:
        log.info("%s skipped: another run holds its lease", name)
        return None
    try:
        return work()
    finally:
        release(engine, name, holder)
