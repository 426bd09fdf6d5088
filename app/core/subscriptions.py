"""Push subscriptions as the API, the pusher and the metrics read them: which events a subscription takes,
and how far behind the feed's end it is.

Lag is counted from the subscription's cursor (every event up to it has had a 2xx): `items` is the number of
its events stored after the cursor, `seconds` how long ago the oldest of them was received (0 when none is
waiting). A paused subscription keeps its cursor, so its lag keeps growing while it waits to be resumed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Engine, Table, func, select

from app.core.feed_positions import Position
from app.core.feed_read import after_position, events
from app.core.metrics import GaugeReading
from app.core.models.subscriptions import PAUSED, PushSubscription

subscriptions = cast(Table, PushSubscription.__table__)
# What the API shows: never the secret, nor the pusher's own bookkeeping.
PUBLIC_COLUMNS = [
    subscriptions.c[name]
    for name in (
        "id",
        "url",
        "types",
        "region",
        "status",
        "attempts",
        "failing_since",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "updated_at",
        "cursor_xact",
        "cursor_id",
    )
]


@dataclass(frozen=True, slots=True)
class Lag:
    items: int
    seconds: float


def event_filter(types: Sequence[str] | None, region: str | None) -> list[ColumnElement[bool]]:
    """The feed's rows a subscription takes."""
    conditions: list[ColumnElement[bool]] = []
    if types:
        conditions.append(events.c.type.in_(list(types)))
    if region is not None:
        conditions.append(events.c.region == region)
    return conditions


def cursor_of(row: Any) -> Position:
    return Position(int(row["cursor_xact"]), int(row["cursor_id"]))


def read_lag(connection: Connection, row: Any, now: datetime) -> Lag:
    waiting = [*event_filter(row["types"], row["region"]), after_position(cursor_of(row))]
    count = connection.execute(select(func.count()).select_from(events).where(*waiting)).scalar_one()
    oldest = connection.execute(
        select(events.c.received_at).where(*waiting).order_by(events.c.feed_xact, events.c.id).limit(1)
    ).scalar()
    seconds = max((now - _utc(oldest)).total_seconds(), 0.0) if oldest is not None else 0.0
    return Lag(int(count), seconds)


def lag_gauges(engines: Iterable[tuple[str, Engine]]) -> list[GaugeReading]:
    """Per subscription of every database: its lag in items and seconds, and whether it is paused. Every
    subscription has its series from the first scrape on, zero or not, so an alert on them is never absent."""
    now = datetime.now(UTC)
    items: list[tuple[list[str], float]] = []
    seconds: list[tuple[list[str], float]] = []
    paused: list[tuple[list[str], float]] = []
    for store, engine in engines:
        with engine.connect() as connection:
            rows = connection.execute(select(*PUBLIC_COLUMNS).order_by(subscriptions.c.id)).mappings().all()
            for row in rows:
                lag, labels = read_lag(connection, row, now), [store, str(row["id"])]
                items.append((labels, float(lag.items)))
                seconds.append((labels, lag.seconds))
                paused.append((labels, 1.0 if row["status"] == PAUSED else 0.0))
    labels = ["store", "subscription"]
    return [
        (
            "mailhook_subscription_lag_items",
            "Events a push subscription has still to receive.",
            labels,
            items,
        ),
        (
            "mailhook_subscription_lag_seconds",
            "Age of the oldest event a push subscription has still to receive (0 when caught up).",
            labels,
            seconds,
        ),
        (
            "mailhook_subscription_paused",
            "Whether a push subscription is paused (1) or active (0).",
            labels,
            paused,
        ),
    ]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
