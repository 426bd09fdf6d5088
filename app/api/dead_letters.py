"""GET /dead-letters and POST /dead-letters/{id}/replay: inbox rows that could not be processed.

A dead letter is described, never shown: the body may carry signatures, addresses and message content,
so only its size leaves the database. Replaying puts the row back to pending and wakes the drain worker
after the commit, so the worker never looks before the row is pending.

`region` selects the database only: an inbox row has no region of its own until the drain reads it (its
`region_hint` is the webhook URL's, often absent), and with one database every dead letter is listed.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import RowMapping, func, select, update

from app.api.pagination import decode_cursor, encode_cursor, page_of, parse_limit
from app.api.params import path_id, read_args
from app.api.problems import ApiError, not_found
from app.api.scope import REGION, request_scope
from app.core.models.inbox import InboxRow
from app.core.models.inbox_vocab import REPLAYABLE, InboxStatus
from app.core.task_names import DRAIN_TASKS
from app.core.timeparse import format_time
from app.web.services import services

inbox = InboxRow.__table__
LISTING = "dead-letters"
COLUMNS = (
    inbox.c.id,
    inbox.c.status,
    inbox.c.kind,
    inbox.c.route,
    inbox.c.received_at,
    inbox.c.error,
    inbox.c.attempts,
    inbox.c.region_hint,
    inbox.c.domain_hint,
    inbox.c.content_type,
    func.length(inbox.c.body).label("size"),
)


def list_dead_letters() -> Response:
    args = read_args(request.args.items(multi=True), ("limit", "cursor", REGION))
    scope = request_scope(args)
    limit = parse_limit(args.get("limit"))
    # Newest first by id, walking the partial index on dead rows.
    query = (
        select(*COLUMNS)
        .where(inbox.c.status == InboxStatus.DEAD)
        .order_by(inbox.c.id.desc())
        .limit(limit + 1)
    )
    if "cursor" in args:
        [after] = decode_cursor(LISTING, args["cursor"], 1)
        query = query.where(inbox.c.id < after)
    with scope.read_engine.connect() as connection:
        fetched = connection.execute(query).mappings().all()
    rows, next_cursor = page_of(fetched, limit, lambda row: encode_cursor(LISTING, [row["id"]]))
    return jsonify({"items": [dead_letter_item(row) for row in rows], "next_cursor": next_cursor})


def replay_dead_letter(letter_id: str) -> Response:
    scope = request_scope(read_args(request.args.items(multi=True), (REGION,)))
    row_id = path_id(letter_id, "dead letter")
    with scope.engine.begin() as connection:
        # The status check is in the UPDATE itself, so two concurrent replays flip the row once.
        replay = (
            update(InboxRow)
            .where(inbox.c.id == row_id, inbox.c.status.in_(REPLAYABLE))
            .values(status=InboxStatus.PENDING, error=None, attempts=0, claimed_until=None)  # attempts afresh
        )
        flipped = connection.execute(replay).rowcount
        row = connection.execute(select(*COLUMNS).where(inbox.c.id == row_id)).mappings().first()
    if row is None:
        raise not_found("dead letter")
    if not flipped:
        raise ApiError(409, "not_dead", f"inbox row {row_id} is {row['status']}; only dead rows are replayed")
    for drain in DRAIN_TASKS:  # a replayed row may be in either lane of the inbox
        services().waker.poke(drain)
    return jsonify(dead_letter_item(row))


def dead_letter_item(row: RowMapping) -> dict[str, Any]:
    item = {name: row[name] for name in row}
    item["received_at"] = format_time(row["received_at"])
    return item
