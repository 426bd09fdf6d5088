"""Pushing to a local receiver on Postgres and SQLite: batches in feed order, signed; a failed batch retried
after a backoff with the same webhook-id and the same items; paused after failing long enough, cursor kept,
and resumed from there. The secret appears in no log record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import Engine, insert
from standardwebhooks.webhooks import Webhook

from app.core.models.feed import FeedHorizon
from app.core.settings import Settings
from app.web.factory import create_app
from bench.receiver import Receiver, failing_first, receiving
from tests.integration.conftest import add_event
from tests.integration.push.push_support import (
    BEARER,
    FAST,
    hand_out_and_push,
    make_due,
    push_until,
    row,
    subscribe,
    wait_until_served,
)
from workers.push.store import lease_due


def test_batches_of_100_in_feed_order_each_signed(app: Flask, engine: Engine, settings: Settings) -> None:
    with receiving() as receiver:
        made = subscribe(app, receiver.url)
        stored = [add_event(engine) for _ in range(250)]
        push_until(engine, settings, lambda: len(receiver.items()) >= 250)
    assert [item["id"] for item in receiver.items()] == stored
    assert all(len(r.items()) <= 100 for r in receiver.requests)
    verifier = Webhook(made["secret"])
    for received in receiver.requests:
        verifier.verify(received.body, received.headers)  # raises on a bad signature or a stale timestamp
    assert len({r.webhook_id for r in receiver.requests}) == len(receiver.requests)
    shown = app.test_client().get(f"/api/v1/subscriptions/{made['id']}", headers=BEARER).get_json()
    assert shown["lag"] == {"items": 0, "seconds": 0.0}


def test_a_failed_batch_is_retried_soon_with_the_same_id_and_items(
    app: Flask, engine: Engine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with receiving(Receiver(answer=failing_first(2))) as receiver:
        made = subscribe(app, receiver.url)
        first = [add_event(engine) for _ in range(3)]
        wait_until_served(engine, 3)
        push_until(engine, settings, lambda: len(receiver.requests) >= 1)
        failed_at = datetime.now(UTC)
        state = row(engine, made["id"])
        assert (state.attempts, state.last_error, state.status) == (1, "answered HTTP 503", "active")
        # The first retry is due within the base backoff (well within 10 s), jittered.
        assert state.next_attempt_at - failed_at < timedelta(seconds=settings.push.backoff + 0.5)
        later = [add_event(engine) for _ in range(2)]  # stored while the batch is out: not part of it
        push_until(engine, settings, lambda: len(receiver.items()) >= 5)
    ids = [r.webhook_id for r in receiver.requests]
    assert ids[0] == ids[1] == ids[2] != ids[3], ids  # 503, 503, 200 of one batch, then the next one
    assert [r.items() for r in receiver.requests[:3]] == [receiver.requests[0].items()] * 3
    assert [item["id"] for item in receiver.requests[0].items()] == first
    assert [item["id"] for item in receiver.items()] == first + later
    assert row(engine, made["id"]).attempts == 0
    assert made["secret"] not in caplog.text
    assert made["secret"].removeprefix("whsec_") not in caplog.text


def test_paused_after_failing_long_enough_then_resumed_from_its_cursor(
    db_url: str, engine: Engine, settings: Settings, settings_for: Callable[..., Settings]
) -> None:
    quick = settings_for(db_url, push=replace(FAST, pause_after=0.3))
    app = create_app(quick)
    down = True
    with receiving(Receiver(answer=lambda n: 500 if down else 200)) as receiver:
        made = subscribe(app, receiver.url)
        stored = [add_event(engine) for _ in range(4)]
        push_until(engine, quick, lambda: row(engine, made["id"]).status == "paused", timeout=20)
        paused = row(engine, made["id"])
        assert paused.last_error == "answered HTTP 500" and paused.attempts >= 2
        make_due(engine)
        assert lease_due(engine, datetime.now(UTC)) == []  # a paused subscription is never handed out
        listed = app.test_client().get("/api/v1/subscriptions", headers=BEARER).get_json()["items"][0]
        assert listed["status"] == "paused" and listed["lag"]["items"] == 4
        down = False
        resumed = app.test_client().post(f"/api/v1/subscriptions/{made['id']}/resume", headers=BEARER)
        assert resumed.status_code == 200
        push_until(engine, quick, lambda: len(receiver.items()) >= 4)
    assert [item["id"] for item in receiver.items()] == stored
    assert row(engine, made["id"]).status == "active"


def test_timeouts_and_refused_connections_are_failures_too(
    app: Flask, engine: Engine, db_url: str, settings_for: Callable[..., Settings]
) -> None:
    impatient = settings_for(db_url, push=replace(FAST, timeout=0.3))
    with receiving(Receiver(delay=1.0)) as slow:
        slow_one = subscribe(app, slow.url)
        dead_one = subscribe(app, "http://127.0.0.1:9/nobody")  # the discard port: nothing listens
        add_event(engine)
        deadline = datetime.now(UTC) + timedelta(seconds=15)
        while row(engine, slow_one["id"]).attempts == 0 or row(engine, dead_one["id"]).attempts == 0:
            assert datetime.now(UTC) < deadline
            make_due(engine)
            hand_out_and_push(engine, impatient)
    assert row(engine, slow_one["id"]).last_error.startswith("timed out")
    assert row(engine, dead_one["id"]).last_error == "no answer (ConnectError)"


def test_a_cursor_retention_has_passed_pauses_rather_than_skipping(
    app: Flask, engine: Engine, settings: Settings
) -> None:
    with receiving() as receiver:
        made = subscribe(app, receiver.url)
        add_event(engine)
        with engine.begin() as connection:  # retention deleted events past the subscription's cursor
            connection.execute(insert(FeedHorizon).values(id=1, feed_xact=2**62, event_id=1))
        hand_out_and_push(engine, settings)
    paused = row(engine, made["id"])
    assert paused.status == "paused" and paused.last_error.startswith("cursor_expired")
    assert receiver.requests == []
