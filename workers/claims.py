"""Claiming pending inbox rows and settling them, inside the caller's transaction.

Postgres: `FOR UPDATE SKIP LOCKED`, so any number of workers claim disjoint batches. SQLite: the caller's
transaction holds SQLite's single write lock from its first statement (`BEGIN IMMEDIATE`), so there is exactly
one claimer at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, case, func, select, update

from app.models import InboxRow

inbox = InboxRow.__table__


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
    query = (
        select(
            inbox.c.id,
            inbox.c.kind,
            inbox.c.route,
            inbox.c.content_type,
            inbox.c.body,
            inbox.c.region_hint,
            inbox.c.domain_hint,
            inbox.c.received_at,
        )
        .where(inbox.c.status == "pending")
        .order_by(inbox.c.id)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [ClaimedRow(*row) for row in connection.execute(query)]


def mark_done(connection: Connection, ids: Sequence[int]) -> None:
    if ids:
        connection.execute(
            update(inbox)
            .where(inbox.c.id.in_(ids))
            .values(status="done", processed_at=func.now(), attempts=inbox.c.attempts + 1, error=None)
        )


def mark_dead(connection: Connection, reasons: dict[int, str]) -> None:
    if reasons:
        connection.execute(
            update(inbox)
            .where(inbox.c.id.in_(list(reasons)))
            .values(
                status="dead",
                processed_at=func.now(),
                attempts=inbox.c.attempts + 1,
                error=case(reasons, value=inbox.c.id),
            )
        )


def begin_claiming(connection: Connection) -> None:
    """Take SQLite's write lock up front, so two claimers never both read the same pending rows."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
