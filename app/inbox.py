"""Writing deliveries to the inbox. One short transaction per request: the 200 waits for its commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from app.db import insert_ignoring_conflicts
from app.delivery import Delivery
from app.models import InboxRow


def store_delivery(engine: Engine, delivery: Delivery) -> bool:
    """Commit the delivery; False when its token was already stored (a retry or a replay)."""
    table = InboxRow.__table__
    values = inbox_values(delivery)
    statement = insert_ignoring_conflicts(table, engine).values(**values).returning(table.c.id)
    with engine.begin() as connection:
        # RETURNING, not rowcount: drivers disagree on rowcount for INSERT ... ON CONFLICT DO NOTHING.
        return connection.execute(statement).first() is not None


def inbox_values(delivery: Delivery) -> dict[str, object]:
    signed = delivery.signed
    assert signed is not None, "only verified deliveries are stored"
    return {
        "token": signed.token,
        "kind": delivery.kind,
        "route": delivery.route,
        "content_type": delivery.content_type,
        "body": delivery.body,
        "headers": delivery.headers,
        "region_hint": delivery.region_hint,
        "domain_hint": delivery.domain_hint,
        "signed_at": datetime.fromtimestamp(float(signed.timestamp), UTC),
        "request_id": delivery.request_id,
    }
