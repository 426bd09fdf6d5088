"""The batch read ahead, on Postgres and SQLite: read while its predecessor is out, sent only after that one
got a 2xx, dropped when it failed or the run's budget ran out, and never skipped or sent twice for it."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import Engine

from app.core.settings import Settings
from bench.receiver import Receiver, receiving
from tests.integration.conftest import add_event
from tests.integration.push.push_support import push_until, row, subscribe, wait_until_served
from workers.push.delivery import http_client
from workers.push.pusher import Run, push_subscription
from workers.push.store import lease_due


def second_fails(n: int) -> int:
    return 503 if n == 1 else 200


def test_a_failed_batch_is_retried_before_the_one_read_ahead_and_none_is_skipped_or_doubled(
    app: Flask, engine: Engine, settings: Settings
) -> None:
    with receiving(Receiver(answer=second_fails)) as receiver:
        subscribe(app, receiver.url)
        stored = [add_event(engine) for _ in range(350)]
        wait_until_served(engine, 350)
        push_until(engine, settings, lambda: len(receiver.items()) >= 350)
    ids = [r.webhook_id for r in receiver.requests]
    # The second batch failed while the third was read ahead: the second is sent again, then the third.
    assert [len(r.items()) for r in receiver.requests] == [100, 100, 100, 100, 50]
    assert ids[1] == ids[2] and len(set(ids)) == 4, ids
    assert receiver.requests[1].items() == receiver.requests[2].items()
    assert [item["id"] for item in receiver.items()] == stored


def test_a_short_batch_read_ahead_has_its_end_kept_before_it_is_sent(
    app: Flask, engine: Engine, settings: Settings
) -> None:
    with receiving(Receiver(answer=second_fails)) as receiver:
        made = subscribe(app, receiver.url)
        first = [add_event(engine) for _ in range(130)]
        wait_until_served(engine, 130)
        push_until(engine, settings, lambda: len(receiver.requests) >= 2)
        state = row(engine, made["id"])
        assert state.cursor_id == first[99]  # past the first batch only: the second got no 2xx
        assert state.batch_end_id is not None  # kept by the 2xx of the first, before the second was sent
        later = [add_event(engine) for _ in range(5)]  # stored while the second is out: not part of it
        wait_until_served(engine, 135)
        push_until(engine, settings, lambda: len(receiver.items()) >= 135)
    assert [len(r.items()) for r in receiver.requests] == [100, 30, 30, 5]
    assert receiver.requests[1].webhook_id == receiver.requests[2].webhook_id
    assert receiver.requests[1].items() == receiver.requests[2].items()
    assert [item["id"] for item in receiver.items()] == first + later


def test_a_run_out_of_budget_drops_its_read_ahead_and_the_next_run_sends_it(
    app: Flask, engine: Engine, settings: Settings
) -> None:
    with receiving() as receiver:
        made = subscribe(app, receiver.url)
        stored = [add_event(engine) for _ in range(250)]
        wait_until_served(engine, 250)
        [(subscription_id, holder)] = lease_due(engine, datetime.now(UTC))
        runs: list[Run] = []
        with http_client(settings.push.timeout) as client:
            while not runs or runs[-1].more:  # as the task does: the lease is kept, another run goes on
                assert len(runs) < 10
                runs.append(
                    push_subscription(
                        engine, "primary", settings.push, subscription_id, holder, client, budget=0
                    )
                )
    assert [(r.batches, r.items) for r in runs] == [(1, 100), (1, 100), (1, 50), (0, 0)]
    assert len({r.webhook_id for r in receiver.requests}) == 3
    assert [item["id"] for item in receiver.items()] == stored
    assert row(engine, made["id"]).holder is None  # caught up: the lease is free
