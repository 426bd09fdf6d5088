"""GET /suppressions: the local view of bounces, complaints and unsubscribes per (region, domain, address),
and the per-recipient part of GET /recipients/{address} (its suppressions and its list memberships).

`observed` rows are what Mailgun reported on a domain itself; `pending`/`synced`/`failed` are our copies to
the other domains of the same region (see the README, "Sync back to Mailgun").
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import Connection, RowMapping, select

from app.api.pagination import decode_cursor, encode_cursor, page_of, parse_limit
from app.api.params import Args, choice_arg, lower_arg, read_args
from app.api.scope import REGION, Scope, request_scope
from app.core.models.sync import ListMember, Suppression
from app.core.models.sync_vocab import SuppressionKind, SuppressionState
from app.core.timeparse import format_time

suppressions = Suppression.__table__
members = ListMember.__table__
LISTING = "suppressions"
PARAMS = ("address", "domain", REGION, "kind", "state", "limit", "cursor")
COLUMNS = (
    suppressions.c.id,
    suppressions.c.region,
    suppressions.c.domain,
    suppressions.c.address,
    suppressions.c.kind,
    suppressions.c.state,
    suppressions.c.source_event_id,
    suppressions.c.synced_at,
    suppressions.c.updated_at,
)


def list_suppressions() -> Response:
    args = read_args(request.args.items(multi=True), PARAMS)
    scope = request_scope(args)
    limit = parse_limit(args.get("limit"))
    query = select(*COLUMNS).where(*_conditions(args), *scope.only(suppressions.c.region))
    query = query.order_by(suppressions.c.id.desc()).limit(limit + 1)
    if "cursor" in args:
        [after] = decode_cursor(LISTING, args["cursor"], 1)
        query = query.where(suppressions.c.id < after)
    with scope.read_engine.connect() as connection:
        fetched = connection.execute(query).mappings().all()
    rows, next_cursor = page_of(fetched, limit, lambda row: encode_cursor(LISTING, [row["id"]]))
    return jsonify({"items": [suppression_item(row) for row in rows], "next_cursor": next_cursor})


def recipient_sync(connection: Connection, address: str, scope: Scope) -> dict[str, Any]:
    """What GET /recipients/{address} adds: the address's suppressions and its mirrored list memberships."""
    found = connection.execute(
        select(*COLUMNS)
        .where(suppressions.c.address == address, *scope.only(suppressions.c.region))
        .order_by(suppressions.c.id)
    ).mappings()
    lists = connection.execute(
        select(members.c.region, members.c.list_address, members.c.subscribed, members.c.refreshed_at)
        .where(members.c.address == address, *scope.only(members.c.region))
        .order_by(members.c.region, members.c.list_address)
    ).mappings()
    return {
        "suppressions": [suppression_item(row) for row in found],
        "lists": [{**row, "refreshed_at": format_time(row["refreshed_at"])} for row in lists],
    }


def suppression_item(row: RowMapping) -> dict[str, Any]:
    item = dict(row)
    item["updated_at"] = format_time(row["updated_at"])
    item["synced_at"] = format_time(row["synced_at"]) if row["synced_at"] else None
    return item


def _conditions(args: Args) -> list[Any]:
    wanted = {
        "address": lower_arg(args, "address"),
        "domain": lower_arg(args, "domain"),
        "kind": choice_arg(args, "kind", tuple(SuppressionKind)),
        "state": choice_arg(args, "state", tuple(SuppressionState)),
    }
    return [suppressions.c[name] == value for name, value in wanted.items() if value is not None]
