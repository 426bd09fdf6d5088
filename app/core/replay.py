"""Replaying dead letters: inbox rows that could not be processed go back to pending for the drain.

Used by `mailhook replay`; the REST API's replay does the same for one row. The status check is inside the
UPDATE, so two operators replaying at once flip each row once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, select, update

from app.core.models.inbox import InboxRow
from app.core.models.inbox_vocab import REPLAYABLE, InboxStatus

inbox = InboxRow.__table__


@dataclass(frozen=True, slots=True)
class DeadFilter:
    kind: str | None = None
    error_contains: str | None = None
    since: datetime | None = None
    domain: str | None = None
    limit: int = 1000

    @property
    def empty(self) -> bool:
        return not (self.kind or self.error_contains or self.since or self.domain)


@dataclass(frozen=True, slots=True)
class Letter:
    id: int
    kind: str
    status: str
    error: str | None


def find_letters(connection: Connection, ids: Sequence[int]) -> dict[int, Letter]:
    """The inbox rows with these ids, whatever their status."""
    rows = connection.execute(_columns().where(inbox.c.id.in_(list(ids)))).all()
    return {row.id: _letter(row) for row in rows}


def matching_dead(connection: Connection, wanted: DeadFilter) -> list[Letter]:
    query = _columns().where(inbox.c.status == InboxStatus.DEAD).order_by(inbox.c.id).limit(wanted.limit)
    if wanted.kind:
        query = query.where(inbox.c.kind == wanted.kind)
    if wanted.error_contains:
        query = query.where(inbox.c.error.contains(wanted.error_contains, autoescape=True))
    if wanted.since:
        query = query.where(inbox.c.received_at >= wanted.since)
    if wanted.domain:
        query = query.where(inbox.c.domain_hint == wanted.domain.lower())
    return [_letter(row) for row in connection.execute(query)]


def replay(connection: Connection, ids: Sequence[int]) -> list[int]:
    """Back to pending the rows among `ids` that are dead; the ids flipped."""
    if not ids:
        return []
    flipped = connection.execute(
        update(InboxRow)
        .where(inbox.c.id.in_(list(ids)), inbox.c.status.in_(REPLAYABLE))
        .values(status=InboxStatus.PENDING, error=None, attempts=0, claimed_until=None)  # attempts afresh
        .returning(inbox.c.id)
    )
    return sorted(row.id for row in flipped)


def _letter(row: Any) -> Letter:
    return Letter(row.id, row.kind, row.status, row.error)


def _columns() -> Select[Any]:
    return select(inbox.c.id, inbox.c.kind, inbox.c.status, inbox.c.error)
