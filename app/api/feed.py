"""GET /feed: every stored event exactly once, in one order a reader can follow with `after` and never miss
anything, whatever order concurrent writers commit in. The read itself is app/core/feed_read.py, shared
with the push subscriptions; docs/feed.md explains the positions and why they leave no gaps.
"""

from __future__ import annotations

import time

from flask import Response, jsonify, request
from sqlalchemy import ColumnElement, Engine

from app.api.events import event_conditions, events
from app.api.feed_params import AFTER, DEFAULT_LIMIT, MAX_LIMIT, Position, decode_position, parse_wait
from app.api.pagination import parse_limit
from app.api.params import read_args
from app.api.problems import ApiError
from app.api.scope import REGION, request_scope
from app.core.feed_positions import encode_position
from app.core.feed_read import CursorExpired, Page, feed_items, read_page
from app.core.stores import store_for_region
from app.web.services import services

FEED_PARAMS = (AFTER, "wait", "limit", "type", "domain", REGION)
# How often a long-poll looks again: well under the second a consumer should wait after a commit, and a
# probe costs three small indexed queries.
POLL_SECONDS = 0.1


def read_feed() -> Response:
    args = read_args(request.args.items(multi=True), FEED_PARAMS)
    scope = request_scope(args)
    store = store_for_region(services().settings, scope.region).name
    limit = parse_limit(args.get("limit"), default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    deadline = time.monotonic() + parse_wait(args.get("wait"))
    after = decode_position(store, args[AFTER]) if AFTER in args else None
    # The /events filters, read the same way; read_args has let through only the feed's own (type, domain).
    conditions = [*event_conditions(args, scope.engine.dialect.name), *scope.only(events.c.region)]
    page = _read(scope.engine, conditions, after, limit)
    while not page.rows and time.monotonic() < deadline:
        time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
        page = _read(scope.engine, conditions, page.next, limit)
    return jsonify({"items": feed_items(store, page.rows), "next_cursor": encode_position(store, page.next)})


def _read(engine: Engine, conditions: list[ColumnElement[bool]], after: Position | None, limit: int) -> Page:
    try:
        return read_page(engine, conditions, after, limit)
    except CursorExpired:
        raise ApiError(
            410,
            "cursor_expired",
            f"parameter {AFTER!r} points before events that retention has since deleted: events after it "
            "may be gone unread; start again without it, from the oldest event kept",
        ) from None
