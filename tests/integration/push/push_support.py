"""The push tests' world: subscriptions made through the real API, beat's hand-out and the push run called
directly (no Celery worker), against a local receiver (bench/receiver.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import Engine, select, update

from app.core.feed_read import read_page
from app.core.models.subscriptions import PushSubscription
from app.core.settings import PushSettings, Settings
from workers.push.delivery import http_client
from workers.push.pusher import Run, push_subscription
from workers.push.store import lease_due

BEARER = {"Authorization": "Bearer test-api-token"}
FAST = PushSettings(timeout=2.0, backoff=0.05, max_backoff=0.2)


def subscribe(app: Flask, url: str, **body: Any) -> dict[str, Any]:
    response = app.test_client().post("/api/v1/subscriptions", json={"url": url, **body}, headers=BEARER)
    assert response.status_code == 201, response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


def hand_out_and_push(engine: Engine, settings: Settings, store: str = "primary") -> list[Run]:
    """One beat hand-out and the push task of every subscription it leased, one after the other."""
    runs = []
    with http_client(settings.push.timeout) as client:
        for subscription_id, holder in lease_due(engine, datetime.now(UTC)):
            runs.append(push_subscription(engine, store, settings.push, subscription_id, holder, client))
    return runs


def push_until(engine: Engine, settings: Settings, done: Callable[[], bool], timeout: float = 15.0) -> None:
    """Hand out and push, each retry made due at once, until `done()`. On Postgres the feed serves an event
    once no older transaction is open on the server, which other tests' databases share: this may take a
    few rounds."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the subscriber did not receive what was expected in time"
        make_due(engine)
        hand_out_and_push(engine, settings)
        time.sleep(0.05)


def make_due(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(update(PushSubscription).values(next_attempt_at=datetime.now(UTC)))


def row(engine: Engine, subscription_id: int) -> Any:
    with engine.connect() as connection:
        return connection.execute(
            select(PushSubscription.__table__).where(PushSubscription.id == subscription_id)
        ).first()


def wait_until_served(engine: Engine, count: int, timeout: float = 15.0) -> None:
    """Until the feed serves `count` events: on Postgres a transaction of another test's database, open on
    the same server, holds the feed back, and a batch read meanwhile would hold only part of them."""
    deadline = time.monotonic() + timeout
    while len(read_page(engine, [], None, 1000).rows) < count:
        assert time.monotonic() < deadline, "the feed did not serve the events in time"
        time.sleep(0.05)
