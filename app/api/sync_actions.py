"""GET /sync-actions and POST /sync-actions/{id}/retry: the outbox of calls back to Mailgun.

A retry puts a failed or dead row back to pending with its attempts reset, due now; the region's next
push_sync run (every MAILHOOK_SYNC_INTERVAL_SECONDS) sends it. The web never calls Mailgun itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from flask import Response, jsonify, request
from sqlalchemy import RowMapping, Table, select

from app.api.pagination import decode_cursor, encode_cursor, page_of, parse_limit
from app.api.params import choice_arg, path_id, read_args
from app.api.problems import ApiError, not_found
from app.api.scope import REGION, request_scope
from app.core.models.sync import SyncAction
from app.core.models.sync_vocab import SyncActionStatus
from app.core.sync_retry import retry_action
from app.core.timeparse import format_time

actions = cast(Table, SyncAction.__table__)
LISTING = "sync-actions"
COLUMNS = [column for column in actions.c if column.name != "idempotency_key"]
TIME_FIELDS = ("next_attempt_at", "created_at", "updated_at")


def list_sync_actions() -> Response:
    args = read_args(request.args.items(multi=True), ("status", REGION, "limit", "cursor"))
    scope = request_scope(args)
    limit = parse_limit(args.get("limit"))
    query = select(*COLUMNS).where(*scope.only(actions.c.region))
    query = query.order_by(actions.c.id.desc()).limit(limit + 1)
    status = choice_arg(args, "status", tuple(SyncActionStatus))
    if status is not None:
        query = query.where(actions.c.status == status)
    if "cursor" in args:
        [after] = decode_cursor(LISTING, args["cursor"], 1)
        query = query.where(actions.c.id < after)
    with scope.read_engine.connect() as connection:
        fetched = connection.execute(query).mappings().all()
    rows, next_cursor = page_of(fetched, limit, lambda row: encode_cursor(LISTING, [row["id"]]))
    return jsonify({"items": [action_item(row) for row in rows], "next_cursor": next_cursor})


def retry_sync_action(action_id: str) -> Response:
    scope = request_scope(read_args(request.args.items(multi=True), (REGION,)))
    row_id = path_id(action_id, "sync action")
    now = datetime.now(UTC)
    with scope.engine.begin() as connection:
        retried = retry_action(connection, row_id, now, only=scope.only(actions.c.region))
    row, flipped = retried.row, retried.flipped
    if row is None:
        raise not_found("sync action")
    if not flipped:
        raise ApiError(
            409,
            "not_retryable",
            f"sync action {row_id} is {row['status']}; only failed or dead actions are retried",
        )
    return jsonify(action_item(row))


def action_item(row: RowMapping) -> dict[str, Any]:
    item = dict(row)
    for name in TIME_FIELDS:
        item[name] = format_time(row[name])
    return item
