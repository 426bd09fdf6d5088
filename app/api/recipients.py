"""GET /recipients/{address}: what happened to one address, by type: how often, and the latest event.

One query: a window over the recipient's events (served by the recipient index) ranks each type's events
newest first and counts them, and only each type's first row comes back.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import Select, func, select

from app.api.events import ITEM_COLUMNS, event_item
from app.api.params import read_args, text_param
from app.api.problems import not_found
from app.api.scope import REGION, Scope, request_scope
from app.api.suppressions import recipient_sync
from app.core.db import reading
from app.core.models.events import Event
from app.core.models.events_vocab import EventType

events = Event.__table__
# The summary lists the types in the vocabulary's order, types it does not know last.
TYPES = tuple(EventType)


def recipient_summary(address: str) -> Response:
    scope = request_scope(read_args(request.args.items(multi=True), (REGION,)))
    # Addresses are stored lower-cased whole, so an exact match on the lowered input is case-insensitive.
    address = text_param(address, "address").strip().lower()
    with reading(scope.read_engine) as connection:
        rows = connection.execute(latest_per_type(address, scope)).mappings().all()
        sync = recipient_sync(connection, address, scope)
    if not rows:
        raise not_found("recipient")
    rows = sorted(rows, key=lambda row: _type_order(row["type"]))
    return jsonify(
        {
            "address": address,
            "total": sum(row["type_count"] for row in rows),
            "counts": {row["type"]: row["type_count"] for row in rows},
            "last": {row["type"]: event_item(row) for row in rows},
            **sync,
        }
    )


def latest_per_type(address: str, scope: Scope) -> Select[Any]:
    newest_first = (events.c.occurred_at.desc(), events.c.id.desc())
    ranked = (
        select(
            *ITEM_COLUMNS,
            func.row_number().over(partition_by=events.c.type, order_by=newest_first).label("type_rank"),
            func.count().over(partition_by=events.c.type).label("type_count"),
        )
        .where(events.c.recipient == address, *scope.only(events.c.region))
        .subquery()
    )
    return select(ranked).where(ranked.c.type_rank == 1)


def _type_order(event_type: str) -> tuple[int, str]:
    return (TYPES.index(event_type) if event_type in TYPES else len(TYPES), event_type)
