"""GET /feed: every stored event exactly once, in one order a reader can follow with `after` and never miss
anything, whatever order concurrent writers commit in. The read itself is app/core/feed_read.py, shared
with the push subscriptions; docs/feed.md explains the positions and why they leave no gaps.

Each read first takes a bound below which nothing can still appear: on Postgres the transaction-id
watermark (every transaction below it has finished, every one still to commit is at or above it); on SQLite,
where writers take turns, the greatest id stored. It serves only positions below the bound, so no later
commit can land behind a page already served. A page that is not full has read everything up to the bound,
so its next_cursor moves up to the bound: a filtered reader does not read the same rows again and again.

The feed reads the database itself (`scope.engine`), never its read replica. The bound and the rows must
come from one server: a primary's watermark with a replica's rows would move the cursor past rows not yet
replayed, and they would never be served. And a hot standby's snapshot is not the primary's: its
`pg_current_snapshot()` lists no transaction in progress (only its xmin is filled in), and that xmin is
rebuilt from the WAL replayed so far (it has been reported to move backwards after the primary restarts
from a crash): "watermarks never go down" would rest on replay details, not on the primary's guarantee.
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
    # Always the database itself, never its replica (see the module's docstring).
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
