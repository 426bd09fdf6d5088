"""No gaps under concurrency, on real Postgres: an event whose transaction commits after a page was served
never gets a position at or before that page's end, so a reader following next_cursor misses nothing.

Events are written the way the drain writes them (workers/events/store.py: COPY, or COPY into a staging
table and INSERT ... SELECT ... ON CONFLICT DO NOTHING), which never names feed_xact: the column default
must do it. Beside the feed, a naive reader ("id > the last id seen") shows what the position prevents.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, Engine, func, select, text

from app.core.models.events import Event
from app.core.settings import Settings
from app.web.factory import create_app
from tests.conftest import truncate_all
from tests.integration.conftest import Api, event_row
from workers.events.store import store_events

pytestmark = pytest.mark.postgres


@pytest.fixture
def settings(pg_url: str, pg_engine: Engine, settings_for: Callable[..., Settings]) -> Iterator[Settings]:
    yield settings_for(pg_url)
    truncate_all(pg_engine)


@pytest.fixture
def feed_app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    app.extensions["mailhook"].close()


@pytest.fixture
def api(feed_app: Flask) -> Api:
    return Api(feed_app.test_client())


def store(
    connection: Connection, settings: Settings, count: int = 1, *, likely_new: bool = True
) -> list[str]:
    rows = [event_row() for _ in range(count)]
    store_events(connection, rows, likely_new=likely_new)
    return [row["mailgun_event_id"] for row in rows]


def read(api: Api, after: str | None, **query: Any) -> tuple[list[dict[str, Any]], str]:
    response = api.get("/feed", **query, **({"after": after} if after else {}))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return body["items"], body["next_cursor"]


def naive_ids(engine: Engine, after: int) -> list[int]:
    with engine.connect() as connection:
        return list(connection.scalars(select(Event.id).where(Event.id > after).order_by(Event.id)))


def test_a_later_commit_is_not_served_past_a_transaction_still_open(
    api: Api, pg_engine: Engine, settings: Settings
) -> None:
    with pg_engine.connect() as open_one:
        open_one.begin()
        [first] = store(open_one, settings)  # takes the smaller id, and stays open
        with pg_engine.begin() as committed:
            [second] = store(committed, settings, likely_new=False)
        # The naive reader sees the second event alone and moves past the first one's id for good.
        visible = naive_ids(pg_engine, 0)
        assert len(visible) == 1
        assert naive_ids(pg_engine, visible[0]) == []
        # The feed serves neither yet: the second must not get a position the first could land behind.
        items, cursor = read(api, None)
        assert items == []
        open_one.commit()
    assert naive_ids(pg_engine, visible[0]) == []  # the first event's id is below: the naive reader lost it
    seen: list[str] = []
    while len(seen) < 2:
        items, cursor = read(api, cursor, wait="10")
        assert items, "the feed must serve both once neither transaction is open"
        seen += [item["mailgun_event_id"] for item in items]
    assert seen == [first, second]
    assert read(api, cursor)[0] == []


@pytest.mark.parametrize("likely_new", [True, False])
def test_the_drains_writes_get_their_own_transactions_id(
    pg_engine: Engine, settings: Settings, likely_new: bool
) -> None:
    with pg_engine.begin() as connection:
        # A duplicate in the second batch sends the direct COPY to the staging path inside a savepoint.
        stored = store(connection, settings, 2, likely_new=likely_new)
        duplicate = event_row(mailgun_event_id=stored[0])
        store_events(connection, [duplicate, event_row(mailgun_event_id="one-more")])
        xact = connection.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar_one()
    with pg_engine.connect() as connection:
        stamped = connection.execute(select(Event.mailgun_event_id, Event.feed_xact)).all()
    assert sorted(stamped) == sorted((name, xact) for name in [*stored, "one-more"])


def test_many_writers_and_a_tailing_reader_every_event_read_exactly_once(
    api: Api, pg_engine: Engine, settings: Settings
) -> None:
    naive_missed, cursor = 0, None
    for _round in range(4):
        committed, feed_seen, naive_seen, cursor = _one_round(api, pg_engine, settings, cursor)
        assert len(feed_seen) == len(set(feed_seen)), "an event read twice"
        assert set(feed_seen) == committed, "the feed missed or invented events"
        naive_missed += len(committed - naive_seen)
    # The same writers would have cost the naive reader events; the feed lost none.
    assert naive_missed > 0


WRITERS = 6
TRANSACTIONS_PER_WRITER = 25


def _one_round(
    api: Api, engine: Engine, settings: Settings, cursor: str | None
) -> tuple[set[str], list[str], set[str], str]:
    """Writers race while the feed is tailed from `cursor`: what they committed, what the feed and the naive
    reader saw, and where the feed reader stopped."""
    committed: set[str] = set()
    lock = threading.Lock()
    done = threading.Event()

    def write(seed: int) -> None:
        chance = random.Random(seed)
        for _ in range(TRANSACTIONS_PER_WRITER):
            with engine.connect() as connection:
                connection.begin()
                names = store(connection, settings, chance.randint(1, 3), likely_new=chance.random() < 0.7)
                time.sleep(chance.uniform(0, 0.015))  # ids taken, commit later: commit order != id order
                if chance.random() < 0.1:
                    connection.rollback()
                    continue
                connection.commit()
            with lock:
                committed.update(names)

    naive_seen: set[str] = set()
    with engine.connect() as connection:
        start = connection.scalar(select(func.coalesce(func.max(Event.id), 0)))

    def tail_naively() -> None:
        last = start
        while not done.is_set():
            with engine.connect() as connection:
                rows = connection.execute(
                    select(Event.id, Event.mailgun_event_id).where(Event.id > last).order_by(Event.id)
                ).all()
            naive_seen.update(name for _, name in rows)
            last = rows[-1][0] if rows else last
            time.sleep(0.002)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    naive = threading.Thread(target=tail_naively)
    for thread in [*writers, naive]:
        thread.start()
    feed_seen: list[str] = []
    deadline = time.monotonic() + 60
    chance = random.Random(0)
    while time.monotonic() < deadline:
        writing = any(writer.is_alive() for writer in writers)
        items, cursor = read(api, cursor, limit=str(chance.randint(1, 20)), wait="0" if writing else "2")
        feed_seen += [item["mailgun_event_id"] for item in items]
        if not writing and not items and len(feed_seen) >= len(committed):
            break
    done.set()
    naive.join()
    assert not any(writer.is_alive() for writer in writers), "the writers did not finish in time"
    assert cursor is not None
    return committed, feed_seen, naive_seen, cursor
