"""Claiming pending inbox rows and settling them, inside the caller's transaction.

Postgres: `FOR UPDATE SKIP LOCKED`, so any number of workers claim disjoint batches. SQLite: the caller's
transaction holds SQLite's single write lock from its first statement (`BEGIN IMMEDIATE`), so there is exactly
one claimer at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, case, func, select, update

from app.core.models.inbox import InboxRow
from app.core.models.inbox_vocab import INBOX_MOVES, InboxStatus

# The Table itself (declared on the model), for Core statements.
inbox = cast(Table, InboxRow.__table__)
# A claimed row is marked done at once, and dead before the commit when it cannot be processed.
_CLAIMED = INBOX_MOVES.require(InboxStatus.PENDING, InboxStatus.DONE)
_DEAD = INBOX_MOVES.require(InboxStatus.DONE, InboxStatus.DEAD)
CLAIMED_COLUMNS = [
    inbox.c[name]
    for name in ("id", "kind", "route", "content_type", "body", "region_hint", "domain_hint", "received_at")
]


@dataclass(frozen=True, slots=True)
class ClaimedRow:
    id: int
    kind: str
    route: str
    content_type: str
    body: bytes
    region_hint: str | None
    domain_hint: str | None
    received_at: datetime


def claim_pending(connection: Connection, limit: int) -> list[ClaimedRow]:
    """Claim up to `limit` pending rows, oldest first, and mark them done in the same statement.

    Marking at claim time writes each row once instead of twice (lock, then update); the caller's
    transaction makes it safe: if processing fails, the rollback puts the rows back to pending. Rows that
    turn out dead are re-marked with `mark_dead` before the commit.
    """
    due = select(inbox.c.id).where(inbox.c.status == InboxStatus.PENDING).order_by(inbox.c.id).limit(limit)
    if connection.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claim = (
        update(inbox)
        .where(inbox.c.id.in_(due.scalar_subquery()))
        .values(status=_CLAIMED, processed_at=func.now(), attempts=inbox.c.attempts + 1, error=None)
        .returning(*CLAIMED_COLUMNS)
    )
    return sorted((ClaimedRow(*row) for row in connection.execute(claim)), key=lambda row: row.id)


def mark_dead(connection: Connection, reasons: dict[int, str]) -> None:
    if reasons:
        connection.execute(
            update(inbox)
            .where(inbox.c.id.in_(list(reasons)))
            .values(
                status=_DEAD,
                processed_at=func.now(),
                error=case(reasons, value=inbox.c.id),
            )
        )


def begin_claiming(connection: Connection) -> None:
    """Start a drain batch's transaction.

    SQLite: take the write lock up front, so two claimers never both read the same pending rows.
    Postgres: commit without waiting for the WAL flush. Everything a batch writes is derived from inbox rows
    that are already durable, and the claim is in the same transaction: if the server crashes before the
    flush, the batch is lost whole, its rows are pending again and the next drain redoes it. What another
    transaction saw meanwhile is either re-created identically (events, messages) or acted on idempotently
    (a sync push repeated is an upsert at Mailgun)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
