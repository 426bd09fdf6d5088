"""/subscriptions: services the feed's events are pushed to, in batches signed the Standard Webhooks way.

A subscription is kept in the database of its region (app/core/stores.py), and follows that database's feed
from its end at creation on: events stored after the POST are pushed, older ones are in GET /feed. With the
EU region in a database of its own, `region` is required, as for the feed (to create, in the body or the
query). The secret is answered once, by the POST; workers/push/ does the pushing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from app.api.params import choice_arg, path_id, read_args
from app.api.problems import ApiError, bad_parameter, not_found
from app.api.scope import REGION, REQUIRED, Scope, request_scope
from app.api.subscription_body import MAX_BODY_BYTES, names_region, read_body
from app.core.db import region_engine
from app.core.feed_positions import encode_position
from app.core.feed_read import read_bound
from app.core.models.subscriptions import ACTIVE, PAUSED
from app.core.regions import REGIONS
from app.core.stores import split, store_for_region
from app.core.subscriptions import PUBLIC_COLUMNS, cursor_of, read_lag, subscriptions
from app.core.timeparse import format_time
from app.core.webhook_signing import new_secret
from app.web.services import services

TIME_FIELDS = ("failing_since", "next_attempt_at", "delivered_at", "created_at", "updated_at")


def create_subscription() -> Response:
    settings = services().settings
    asked = choice_arg(read_args(request.args.items(multi=True), (REGION,)), REGION, REGIONS)
    raw = _body()
    # Which database first, as every other call does: a region in the query or in the body.
    if asked is None and split(settings) and not names_region(raw):
        raise bad_parameter(REGION, REQUIRED)
    wanted = read_body(raw, settings.push.allowed_hosts)
    if asked is not None and wanted.region not in (None, asked):
        raise ApiError(400, "bad_field", "field 'region' differs from the query's 'region'")
    region = wanted.region or asked
    engine = region_engine(settings, region)
    store = store_for_region(settings, region).name
    secret, now = new_secret(), datetime.now(UTC)
    with engine.begin() as connection:
        # From the feed's end: every event stored after this commit is at or past the bound.
        start = read_bound(connection)
        values = {
            "url": wanted.url,
            "types": wanted.types,
            "region": region,
            "signing_secret": secret,
            "status": ACTIVE,
            "cursor_xact": start.xact,
            "cursor_id": start.id,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        new_id = connection.execute(insert(subscriptions).values(values).returning(subscriptions.c.id))
        row = _row(connection, int(new_id.scalar_one()))
        answer = {**subscription_item(connection, store, row, now), "secret": secret}
    return _json(answer, 201)


def list_subscriptions() -> Response:
    scope = request_scope(read_args(request.args.items(multi=True), (REGION,)))
    store, now = _store(scope), datetime.now(UTC)
    query = select(*PUBLIC_COLUMNS).where(*scope.only(subscriptions.c.region)).order_by(subscriptions.c.id)
    with scope.engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
        items = [subscription_item(connection, store, row, now) for row in rows]
    return jsonify({"items": items})


def get_subscription(subscription_id: str) -> Response:
    scope, row_id = _by_id(subscription_id)
    with scope.engine.connect() as connection:
        row = _row(connection, row_id)
        return jsonify(subscription_item(connection, _store(scope), row, datetime.now(UTC)))


def delete_subscription(subscription_id: str) -> Response:
    scope, row_id = _by_id(subscription_id)
    with scope.engine.begin() as connection:
        if connection.execute(delete(subscriptions).where(subscriptions.c.id == row_id)).rowcount == 0:
            raise not_found("subscription")
    return Response(status=204)


def resume_subscription(subscription_id: str) -> Response:
    """A paused subscription goes on from its cursor, due now: nothing it had not received is skipped."""
    scope, row_id = _by_id(subscription_id)
    now = datetime.now(UTC)
    with scope.engine.begin() as connection:
        # The status check is in the UPDATE itself, so two concurrent resumes flip the row once.
        flipped = connection.execute(
            update(subscriptions)
            .where(subscriptions.c.id == row_id, subscriptions.c.status == PAUSED)
            # The lease is freed too: a run that still held it (it saw the pause) must not delay the resume.
            .values(
                status=ACTIVE,
                attempts=0,
                failing_since=None,
                next_attempt_at=now,
                lease_until=None,
                holder=None,
                updated_at=now,
            )
        ).rowcount
        row = _row(connection, row_id)
        item = subscription_item(connection, _store(scope), row, now)
    if not flipped:
        status = row["status"]
        raise ApiError(409, "not_paused", f"subscription {row_id} is {status}; only a paused one resumes")
    return jsonify(item)


def subscription_item(connection: Connection, store: str, row: RowMapping, now: datetime) -> dict[str, Any]:
    item = {c.name: row[c.name] for c in PUBLIC_COLUMNS if c.name not in ("cursor_xact", "cursor_id")}
    for name in TIME_FIELDS:
        item[name] = format_time(row[name]) if row[name] is not None else None
    lag = read_lag(connection, row, now)
    item["feed_position"] = encode_position(store, cursor_of(row))
    item["lag"] = {"items": lag.items, "seconds": round(lag.seconds, 3)}
    return item


def _body() -> bytes:
    """The body, read no further than one byte past the limit (a longer one is refused whole)."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return b" " * (MAX_BODY_BYTES + 1)
    return request.stream.read(MAX_BODY_BYTES + 1) if request.content_length is None else request.get_data()


def _by_id(raw: str) -> tuple[Scope, int]:
    return request_scope(read_args(request.args.items(multi=True), (REGION,))), path_id(raw, "subscription")


def _row(connection: Connection, row_id: int) -> RowMapping:
    row = connection.execute(select(*PUBLIC_COLUMNS).where(subscriptions.c.id == row_id)).mappings().first()
    if row is None:
        raise not_found("subscription")
    return row


def _store(scope: Scope) -> str:
    return store_for_region(services().settings, scope.region).name


def _json(document: dict[str, Any], status: int) -> Response:
    response = jsonify(document)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"  # the answer holds the secret
    return response
