"""Reading the feed: the one query behind GET /api/v1/feed and the push subscriptions' batches.

Each read first takes a bound below which nothing can still appear: on Postgres the transaction-id
watermark (every transaction below it has finished, every one still to commit is at or above it); on SQLite,
where writers take turns, the greatest id stored. It serves only positions below the bound, so no later
commit can land behind a page already served. A page that is not full has read everything up to the bound,
so its `next` moves up to the bound: a filtered reader does not read the same rows again and again.
docs/feed.md explains why this leaves no gaps.

Items have the shape of /api/v1/events items (`event_item`), so the feed and a pushed batch carry the same
fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, RowMapping, bindparam, func, select, text, tuple_

from app.core.db import reading
from app.core.feed_positions import START, Position, encode_position, seen_through
from app.core.models.base import BigId
from app.core.models.events import Event
from app.core.models.feed import HORIZON_ROW, SELECT_POSTGRES_WATERMARK, FeedHorizon
from app.core.timeparse import format_time

events = Event.__table__
horizons = FeedHorizon.__table__
# The raw payload is for the single-event view only; inbox_id and the feed's position column are plumbing,
# not part of an event (the feed serves its position as an opaque string).
ITEM_COLUMNS = [column for column in events.c if column.name not in ("payload", "inbox_id", "feed_xact")]
TIME_FIELDS = ("occurred_at", "received_at")


class CursorExpired(Exception):
    """The position is before events retention has since deleted: events after it may be gone unread."""


@dataclass(frozen=True, slots=True)
class Page:
    rows: Sequence[Any]
    next: Position


def event_item(row: RowMapping) -> dict[str, Any]:
    item = {column.name: row[column.name] for column in ITEM_COLUMNS}
    for name in TIME_FIELDS:
        item[name] = format_time(item[name])
    return item


def feed_items(store: str, rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [{**event_item(row), "feed_position": encode_position(store, position_of(row))} for row in rows]


def read_page(
    engine: Engine,
    conditions: Sequence[ColumnElement[bool]],
    after: Position | None,
    limit: int,
    through: Position | None = None,
) -> Page:
    """Up to `limit` rows after `after`, in feed order. With `through`, only rows up to it, and a page that
    is not full ends there: a push retry reads exactly the batch it sent before, whatever came since."""
    with reading(engine) as connection:
        # The bound first, the rows after: every row below the bound had finished before the rows are read.
        bound = read_bound(connection) if through is None else through
        query = select(*ITEM_COLUMNS, events.c.feed_xact).where(*conditions)
        if after is not None:
            query = query.where(tuple_(events.c.feed_xact, events.c.id) > _bind_position("after", after))
        if through is not None:
            query = query.where(tuple_(events.c.feed_xact, events.c.id) <= _bind_position("through", through))
        elif connection.dialect.name == "postgresql":
            query = query.where(events.c.feed_xact < bindparam("watermark", bound.xact + 1, type_=BigId))
        query = query.order_by(events.c.feed_xact, events.c.id).limit(limit)
        rows = connection.execute(query).mappings().all()
        # After the rows: a purge that deleted rows past `after` before they were read is seen here.
        refuse_expired(connection, after)
    last = position_of(rows[-1]) if rows else None
    if len(rows) == limit:
        return Page(rows, position_of(rows[-1]))
    return Page(rows, max(p for p in (after, last, bound, START) if p is not None))


def read_bound(connection: Connection) -> Position:
    """The greatest position no commit still to come can precede."""
    if connection.dialect.name == "postgresql":
        watermark = int(connection.execute(text(SELECT_POSTGRES_WATERMARK)).scalar_one())
        return seen_through(watermark - 1)
    greatest = connection.execute(select(func.max(events.c.id))).scalar()
    return Position(0, int(greatest)) if greatest is not None else START


def refuse_expired(connection: Connection, after: Position | None) -> None:
    if after is None:
        return
    horizon = connection.execute(
        select(horizons.c.feed_xact, horizons.c.event_id).where(horizons.c.id == HORIZON_ROW)
    ).first()
    if horizon is not None and after < Position(*horizon):
        raise CursorExpired(after)


def after_position(position: Position) -> ColumnElement[bool]:
    """Rows past `position` in feed order."""
    return tuple_(events.c.feed_xact, events.c.id) > _bind_position("past", position)


def position_of(row: Any) -> Position:
    return Position(int(row["feed_xact"]), int(row["id"]))


def _bind_position(name: str, position: Position) -> Any:
    xact = bindparam(f"{name}_xact", position.xact, type_=BigId)
    return tuple_(xact, bindparam(f"{name}_id", position.id, type_=BigId))
