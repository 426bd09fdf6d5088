"""The pusher's database side: which subscriptions are due, the lease one task holds on a subscription
while it pushes, and each batch's outcome settled in its own short transaction.

A lease is `lease_until` and a random `holder`, taken by a conditional UPDATE (free or expired), the way
workers/poll leases a domain's cursor: two beats, a redelivered task or a slow run never push to one
subscription at once, and no transaction stays open across a subscriber's answer. Every write checks the
holder, so a run whose lease expired (and was taken over) changes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select, update

from app.core.feed_positions import Position
from app.core.models.subscriptions import ACTIVE, PAUSED
from app.core.subscriptions import subscriptions

# Longer than a run may take (its budget plus one subscriber's timeout), so a live run keeps its lease.
LEASE = timedelta(seconds=90)
DUE_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    url: str
    types: list[str] | None
    region: str | None
    secret: str
    cursor: Position
    batch_end: Position | None
    attempts: int
    failing_since: datetime | None

    def __repr__(self) -> str:  # The secret never reaches a log line through a repr.
        return f"Claimed(id={self.id!r})"


def lease_due(engine: Engine, now: datetime, hold: timedelta = LEASE) -> list[tuple[int, str]]:
    """Lease every active subscription that is due and not held: (id, holder) for each one taken."""
    c = subscriptions.c
    free = or_(c.lease_until.is_(None), c.lease_until < now)
    with engine.begin() as connection:
        due = connection.execute(
            select(c.id)
            .where(c.status == ACTIVE, c.next_attempt_at <= now, free)
            .order_by(c.next_attempt_at, c.id)
            .limit(DUE_LIMIT)
        ).scalars()
        taken = []
        for subscription_id in list(due):
            holder = secrets.token_hex(16)
            flipped = connection.execute(
                update(subscriptions)
                .where(c.id == subscription_id, c.status == ACTIVE, free)
                .values(lease_until=now + hold, holder=holder)
            ).rowcount
            if flipped:
                taken.append((int(subscription_id), holder))
    return taken


def claim(engine: Engine, subscription_id: int, holder: str, now: datetime) -> Claimed | None:
    """The subscription as this run may push it, its lease extended; None when the run no longer holds it
    (expired and taken over, deleted) or it is no longer active."""
    c = subscriptions.c
    with engine.begin() as connection:
        row = connection.execute(
            update(subscriptions)
            .where(c.id == subscription_id, c.holder == holder, c.status == ACTIVE)
            .values(lease_until=now + LEASE)
            .returning(*_CLAIMED)
        ).first()
    return None if row is None else _claimed(row._mapping)


def start_batch(engine: Engine, subscription_id: int, holder: str, end: Position) -> None:
    """Fix the batch's end before it is first sent: every retry sends exactly these items."""
    _update(engine, subscription_id, holder, batch_end_xact=end.xact, batch_end_id=end.id)


def delivered(
    engine: Engine,
    claimed: Claimed,
    holder: str,
    through: Position,
    now: datetime,
    *,
    next_end: Position | None = None,
) -> Claimed | None:
    """The batch had a 2xx: the cursor moves past it, the next batch's end is kept (`next_end`, one that is
    not full, read while this one was out) and the lease is extended, in one statement. The subscription as
    the next batch starts from; None when the run no longer holds it (deleted meanwhile)."""
    c = subscriptions.c
    with engine.begin() as connection:
        held = connection.execute(
            update(subscriptions)
            .where(c.id == claimed.id, c.holder == holder, c.status == ACTIVE)
            .values(
                cursor_xact=through.xact,
                cursor_id=through.id,
                batch_end_xact=None if next_end is None else next_end.xact,
                batch_end_id=None if next_end is None else next_end.id,
                attempts=0,
                failing_since=None,
                delivered_at=now,
                lease_until=now + LEASE,
                updated_at=now,
            )
        ).rowcount
    if not held:
        return None
    return replace(claimed, cursor=through, batch_end=next_end, attempts=0, failing_since=None)


def caught_up(engine: Engine, subscription_id: int, holder: str, through: Position, now: datetime) -> None:
    """Nothing more to push: the cursor moves up to `through` (past rows the subscription does not take, so
    the next run does not read them again) and the lease is freed."""
    _update(
        engine,
        subscription_id,
        holder,
        cursor_xact=through.xact,
        cursor_id=through.id,
        batch_end_xact=None,  # a batch out whose events are all gone (deleted by retention) is done too
        batch_end_id=None,
        lease_until=None,
        holder=None,
        next_attempt_at=now,
    )


def failed(
    engine: Engine, claimed: Claimed, holder: str, error: str, now: datetime, retry_at: datetime, pause: bool
) -> None:
    """The batch stays out (same items, same webhook-id) until it gets a 2xx; a subscription failing for
    longer than allowed is paused with its cursor kept."""
    _update(
        engine,
        claimed.id,
        holder,
        attempts=claimed.attempts + 1,
        failing_since=claimed.failing_since or now,
        last_error=error,
        status=PAUSED if pause else ACTIVE,
        next_attempt_at=retry_at,
        lease_until=None,
        holder=None,
        updated_at=now,
    )


def paused(engine: Engine, subscription_id: int, holder: str, error: str, now: datetime) -> None:
    _update(
        engine,
        subscription_id,
        holder,
        status=PAUSED,
        last_error=error,
        lease_until=None,
        holder=None,
        updated_at=now,
    )


def _update(engine: Engine, subscription_id: int, held_by: str, **values: Any) -> None:
    c = subscriptions.c
    with engine.begin() as connection:
        connection.execute(
            update(subscriptions).where(c.id == subscription_id, c.holder == held_by).values(**values)
        )


_CLAIMED = [
    subscriptions.c[name]
    for name in (
        "id",
        "url",
        "types",
        "region",
        "signing_secret",
        "cursor_xact",
        "cursor_id",
        "batch_end_xact",
        "batch_end_id",
        "attempts",
        "failing_since",
    )
]


def _claimed(row: Any) -> Claimed:
    end = row["batch_end_xact"], row["batch_end_id"]
    return Claimed(
        id=int(row["id"]),
        url=row["url"],
        types=row["types"],
        region=row["region"],
        secret=row["signing_secret"],
        cursor=Position(int(row["cursor_xact"]), int(row["cursor_id"])),
        batch_end=Position(int(end[0]), int(end[1])) if end[0] is not None and end[1] is not None else None,
        attempts=int(row["attempts"]),
        failing_since=row["failing_since"],
    )
