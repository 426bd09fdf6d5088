"""Reading events for the console's pages from every database (each region's, when they are kept apart).

A recipient's events are paged newest first across the databases: each database is read by its own
(recipient, occurred_at, id) index, and the pages are merged by (occurred_at desc, database, id desc). The
cursor names the last row shown as time, database and id, so the next page starts exactly after it in every
database. A message's events, or an event by Mailgun's id, come from the message and event-id indexes. Pages
on Postgres read the partitions in time order (app/core/event_order.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, Table, and_, false, or_, select, true

from app.core.db import reading
from app.core.event_order import time_ordered
from app.core.models.events import Event
from app.core.partitions import covered_range
from app.core.stores import Store

events: Table = Event.__table__  # type: ignore[assignment]
SHOWN = (
    "id",
    "mailgun_event_id",
    "occurred_at",
    "event",
    "severity",
    "type",
    "region",
    "domain",
    "recipient",
    "message_id",
    "tags",
    "reason",
    "delivery_status",
    "url",
    "ip",
    "client_info",
    "geolocation",
    "source",
)
SHOWN_COLUMNS = tuple(events.c[name] for name in SHOWN)
MESSAGE_EVENTS_SHOWN = 500  # a message has a handful; this bounds a pathological one


@dataclass(frozen=True, slots=True)
class EventView:
    store: str  # the database the row is in: ids are per database
    row: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.row[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True, slots=True)
class Position:
    """The last row a page showed: the next page starts after it."""

    occurred_at: datetime
    store: str
    id: int

    def text(self) -> str:
        return f"{self.occurred_at.isoformat()}~{self.store}~{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> Position | None:
        """A cursor from a link; anything else (a hand-edited one) starts from the newest."""
        try:
            moment, store, row_id = (text or "").split("~")
            when = datetime.fromisoformat(moment)
            return cls(when, store, int(row_id)) if when.tzinfo is not None else None
        except ValueError:
            return None


def recipient_events(
    databases: Sequence[tuple[Store, Engine]], address: str, after: Position | None, limit: int
) -> tuple[list[EventView], Position | None]:
    """One page of the address's events, newest first, and where the next page starts (None: no more)."""
    rank = {store.name: n for n, (store, _) in enumerate(databases)}
    found: list[tuple[int, EventView]] = []
    for store, engine in databases:
        conditions = [events.c.recipient == address, _after(after, rank, store.name)]
        with reading(engine) as connection:
            query = time_ordered(
                SHOWN_COLUMNS, conditions, limit + 1, newest_first=True, covered=covered_range(connection)
            )
            rows = connection.execute(query).mappings()
            found += [(rank[store.name], EventView(store.name, dict(row))) for row in rows]
    found.sort(key=lambda pair: (_timestamp(pair[1]), -pair[0], pair[1].id), reverse=True)
    page = [view for _, view in found[:limit]]
    if len(found) <= limit:
        return page, None
    last = page[-1]
    return page, Position(last.occurred_at, last.store, last.id)


def message_events(databases: Sequence[tuple[Store, Engine]], message_id: str) -> list[EventView]:
    """Every event of the message, oldest first (a timeline), with its raw payload."""
    found: list[EventView] = []
    for store, engine in databases:
        columns = [*SHOWN_COLUMNS, events.c.payload]
        with reading(engine) as connection:
            query = time_ordered(
                columns,
                [events.c.message_id == message_id],
                MESSAGE_EVENTS_SHOWN,
                newest_first=False,
                covered=covered_range(connection),
            )
            found += [EventView(store.name, dict(r)) for r in connection.execute(query).mappings()]
    return sorted(found, key=lambda view: (_timestamp(view), view.store, view.id))


def events_by_mailgun_id(databases: Sequence[tuple[Store, Engine]], event_id: str) -> list[EventView]:
    """The events with Mailgun's id (unique within a day only, so possibly several), newest first."""
    found: list[EventView] = []
    for store, engine in databases:
        query = (
            _columns().add_columns(events.c.payload).where(events.c.mailgun_event_id == event_id).limit(20)
        )
        with reading(engine) as connection:
            found += [EventView(store.name, dict(r)) for r in connection.execute(query).mappings()]
    return sorted(found, key=_timestamp, reverse=True)


def has_message(databases: Sequence[tuple[Store, Engine]], message_id: str) -> bool:
    return _any_row(databases, events.c.message_id == message_id)


def has_recipient(databases: Sequence[tuple[Store, Engine]], address: str) -> bool:
    return _any_row(databases, events.c.recipient == address)


def _any_row(databases: Sequence[tuple[Store, Engine]], condition: ColumnElement[bool]) -> bool:
    for _, engine in databases:
        with reading(engine) as connection:
            if connection.execute(select(events.c.id).where(condition).limit(1)).first() is not None:
                return True
    return False


def _columns() -> Select[Any]:
    return select(*SHOWN_COLUMNS)


def _after(after: Position | None, rank: dict[str, int], store: str) -> ColumnElement[bool]:
    """Rows that come after `after` in the merged order, as a condition on this database's rows."""
    if after is None:
        return true()
    same_time = events.c.occurred_at == after.occurred_at
    if store == after.store:
        tie: ColumnElement[bool] = and_(same_time, events.c.id < after.id)
    elif rank.get(store, 0) > rank.get(after.store, 0):
        tie = same_time
    else:
        tie = false()
    return or_(events.c.occurred_at < after.occurred_at, tie)


def _timestamp(view: EventView) -> float:
    moment: datetime = view.occurred_at  # always UTC-aware (app/core/models/base.py)
    return moment.timestamp()
