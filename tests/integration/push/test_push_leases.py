"""Leases on Postgres and SQLite: two hand-outs at once lease each subscription once, and a run whose lease
expired and was taken over sends nothing and changes nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import Engine, update

from app.core.models.subscriptions import PushSubscription
from app.core.settings import Settings
from bench.receiver import receiving
from tests.integration.conftest import add_event
from tests.integration.push.push_support import row, subscribe, wait_until_served
from workers.push.delivery import http_client
from workers.push.pusher import push_subscription
from workers.push.store import lease_due


def test_two_hand_outs_at_once_lease_each_subscription_once(app: Flask, engine: Engine) -> None:
    made = {subscribe(app, f"http://127.0.0.1:9/{n}")["id"] for n in range(30)}
    taken: list[list[tuple[int, str]]] = [[], []]
    start = threading.Barrier(2)

    def hand_out(slot: int) -> None:
        start.wait()
        taken[slot] = lease_due(engine, datetime.now(UTC))

    threads = [threading.Thread(target=hand_out, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    ids = [subscription_id for result in taken for subscription_id, _ in result]
    assert sorted(ids) == sorted(made)  # every one handed out, none twice
    assert lease_due(engine, datetime.now(UTC)) == []  # held: no third hand-out takes them


def test_a_run_that_lost_its_lease_sends_nothing(app: Flask, engine: Engine, settings: Settings) -> None:
    with receiving() as receiver:
        made = subscribe(app, receiver.url)
        add_event(engine)
        wait_until_served(engine, 1)
        [(subscription_id, stale)] = lease_due(engine, datetime.now(UTC))
        with engine.begin() as connection:  # the first run stalled past its lease...
            connection.execute(
                update(PushSubscription).values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
            )
        [(_, current)] = lease_due(engine, datetime.now(UTC))  # ...and the next hand-out took it over
        assert current != stale
        with http_client(settings.push.timeout) as client:
            late = push_subscription(engine, "primary", settings.push, subscription_id, stale, client)
            assert (late.batches, receiver.requests) == (0, [])
            assert row(engine, made["id"]).holder == current
            live = push_subscription(engine, "primary", settings.push, subscription_id, current, client)
    assert live.items == 1 and len(receiver.requests) == 1
