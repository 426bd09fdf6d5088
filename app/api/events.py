"""GET /events, /events/{id}, /messages/{message_id}/events: normalized events, keyset-paginated.

Lists walk (occurred_at, id): newest first for /events, oldest first for a message's timeline. recipient,
message_id and domain each have a (column, occurred_at, id) index that serves filter and order at once; the
other filters narrow an index walk. On Postgres each page is asked for so that the partitions are read in
time order, the newest (or oldest) first, and those after the page's last row not at all
(app/core/event_order.py). `tag` on Postgres wants a GIN index once rare tags are asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import ColumnElement, bindparam, exists, func, select, tuple_, type_coerce
from sqlalchemy.dialects.postgresql import JSONB

from app.api.pagination import decode_time_cursor, encode_time_cursor, page_of, parse_limit
from app.api.params import (
    Args,
    choice_arg,
    lower_arg,
    message_id_text,
    path_id,
    read_args,
    text_param,
    time_range,
)
from app.api.problems import not_found
from app.api.scope import REGION, Scope, request_scope
from app.core.db import reading
from app.core.event_order import TimeOrdered, time_ordered
from app.core.feed_read import ITEM_COLUMNS, event_item
from app.core.models.base import BigId, UTCDateTime
from app.core.models.events import Event
from app.core.models.events_vocab import EventType
from app.core.partition_periods import Range
from app.core.partitions import covered_range

events = Event.__table__
LIST_PARAMS = (
    "recipient",
    "domain",
    REGION,
    "type",
    "event",
    "message_id",
    "tag",
    "since",
    "until",
    "limit",
    "cursor",
)
TIMELINE_PARAMS = ("since", "until", "limit", "cursor", REGION)
NEWEST_FIRST = "events"
OLDEST_FIRST = "timeline"


def list_events() -> Response:
    args = read_args(request.args.items(multi=True), LIST_PARAMS)
    scope = request_scope(args)
    conditions = [*event_conditions(args, scope.read_engine.dialect.name), *scope.only(events.c.region)]
    return jsonify(_page(scope, args, conditions, NEWEST_FIRST))


def message_timeline(message_id: str) -> Response:
    args = read_args(request.args.items(multi=True), TIMELINE_PARAMS)
    scope = request_scope(args)
    conditions = [
        events.c.message_id == message_id_text(text_param(message_id, "message_id")),
        *_time_conditions(args),
        *scope.only(events.c.region),
    ]
    return jsonify(_page(scope, args, conditions, OLDEST_FIRST))


def get_event(event_id: str) -> Response:
    scope = request_scope(read_args(request.args.items(multi=True), (REGION,)))
    query = select(*ITEM_COLUMNS, events.c.payload).where(
        events.c.id == path_id(event_id, "event"), *scope.only(events.c.region)
    )
    with reading(scope.read_engine) as connection:
        row = connection.execute(query).mappings().first()
    if row is None:
        raise not_found("event")
    return jsonify({**event_item(row), "payload": row["payload"]})


def event_conditions(args: Args, dialect: str) -> list[ColumnElement[bool]]:
    """The list's filters but `region`, which the request's scope applies (app/api/scope.py)."""
    conditions = _time_conditions(args)
    equal = {
        "recipient": lower_arg(args, "recipient"),
        "domain": lower_arg(args, "domain"),
        "type": choice_arg(args, "type", tuple(EventType)),
        "event": lower_arg(args, "event"),
        "message_id": message_id_text(args["message_id"]) if "message_id" in args else None,
    }
    conditions += [events.c[name] == value for name, value in equal.items() if value is not None]
    if "tag" in args:
        conditions.append(tag_condition(args["tag"], dialect))
    return conditions


def tag_condition(tag: str, dialect: str) -> ColumnElement[bool]:
    """Events whose `tags` array holds the tag, in each store's own JSON vocabulary."""
    if dialect == "postgresql":
        return type_coerce(events.c.tags, JSONB).contains([tag])
    values = func.json_each(events.c.tags).table_valued("value")
    return exists(select(1).select_from(values).where(values.c.value == tag))


def keyset_query(
    conditions: Sequence[ColumnElement[bool]],
    after: tuple[datetime, int] | None,
    limit: int,
    *,
    newest_first: bool,
    covered: Range | None = None,
) -> TimeOrdered:
    """One page after `after`; `covered` (the partitions' unbroken stretch) lets Postgres read the
    partitions in order (app/core/event_order.py)."""
    if after is not None:
        key = tuple_(events.c.occurred_at, events.c.id)
        # Typed binds: SQLite compares the stored text form, which only UTCDateTime knows how to write.
        position = tuple_(
            bindparam("after_at", after[0], type_=UTCDateTime()), bindparam("after_id", after[1], type_=BigId)
        )
        conditions = [*conditions, key < position if newest_first else key > position]
    return time_ordered(ITEM_COLUMNS, conditions, limit, newest_first=newest_first, covered=covered)


def _page(scope: Scope, args: Args, conditions: list[ColumnElement[bool]], listing: str) -> dict[str, Any]:
    limit = parse_limit(args.get("limit"))
    after = decode_time_cursor(listing, args["cursor"]) if "cursor" in args else None
    newest_first = listing == NEWEST_FIRST
    with reading(scope.read_engine) as connection:
        query = keyset_query(
            conditions, after, limit + 1, newest_first=newest_first, covered=covered_range(connection)
        )
        fetched = connection.execute(query).mappings().all()
    rows, next_cursor = page_of(
        fetched, limit, lambda row: encode_time_cursor(listing, row["occurred_at"], row["id"])
    )
    return {"items": [event_item(row) for row in rows], "next_cursor": next_cursor}


def _time_conditions(args: Args) -> list[ColumnElement[bool]]:
    since, until = time_range(args)
    conditions = []
    if since is not None:
        conditions.append(events.c.occurred_at >= since)
    if until is not None:
        conditions.append(events.c.occurred_at < until)
    return conditions
