"""The migration to a partitioned `events` on a table of a million rows, while real web and worker processes
take deliveries and drain them into it: none is lost, none is stored twice, the ids go on from the sequence.

Marked `volume` (and e2e): `pytest -m volume` finds it. It loads 1 M rows with generate_series (about a
minute here) and never more.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from app.core import migrate
from app.core.db import make_engine
from tests.conftest import REPO, payload, sign, throwaway_database
from tests.e2e.conftest import web_and_worker

pytestmark = [pytest.mark.e2e, pytest.mark.volume]

ROWS = 1_000_000
BEFORE = "0011_event_time_milliseconds"

# The last 30 days, an event every 2.6 s, each its own id; times to the millisecond, as 0011 left them.
LOAD = """
INSERT INTO events (mailgun_event_id, occurred_at, received_at, event, type, region, domain, recipient,
                    message_id, tags, user_variables, delivery_status, source, payload)
SELECT 'load-' || g,
       date_trunc('milliseconds', now() - (g * interval '2592 milliseconds')),
       now(), 'delivered', 'delivered', 'us', 'example.com', 'rcpt' || (g % 5000) || '@example.org',
       'msg-' || g || '@example.com', '["load"]'::jsonb, '{}'::jsonb, '{"code": 250}'::jsonb, 'webhook',
       jsonb_build_object('id', 'load-' || g)
FROM generate_series(1, :rows) AS g
"""


@pytest.fixture
def million(tmp_path: Path) -> Iterator[str]:
    with throwaway_database(f"mailhook_volume_{uuid.uuid4().hex[:8]}", migrated=False) as url:
        migrate.upgrade(url, BEFORE)
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(text("SET LOCAL statement_timeout = 0"))
                connection.execute(text(LOAD), {"rows": ROWS})
            with engine.begin() as connection:
                connection.execute(text("SET LOCAL statement_timeout = 0"))
                connection.execute(text("ANALYZE events"))
        finally:
            engine.dispose()
        yield url


def delivery(event_id: str) -> bytes:
    document = payload("delivered.webhook-json.anymail-real-sanitized.json")
    document["event-data"]["id"] = event_id
    document["event-data"]["timestamp"] = time.time()  # today's partition, not the default one
    document["signature"] = sign()
    return json.dumps(document).encode()


class Sender(threading.Thread):
    """Posts signed deliveries, one after the other, until stopped; remembers every one answered 200."""

    def __init__(self, base_url: str) -> None:
        super().__init__(daemon=True)
        self.base_url, self.accepted, self.refused = base_url, list[str](), list[int]()
        self.stopped = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            while not self.stopped.is_set():
                event_id = uuid.uuid4().hex
                answer = client.post("/webhooks/mailgun", content=delivery(event_id),
                                     headers={"Content-Type": "application/json"})  # fmt: skip
                if answer.status_code == 200:
                    self.accepted.append(event_id)
                else:
                    self.refused.append(answer.status_code)
                time.sleep(0.01)


class Watcher(threading.Thread):
    """Samples the greatest stored id: it rising while the migration runs means the drain went on."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.engine, self.samples, self.stopped = engine, list[tuple[float, int]](), threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            with self.engine.connect() as connection:
                self.samples.append(
                    (time.monotonic(), int(connection.scalar(text("SELECT max(id) FROM events"))))
                )
            time.sleep(0.2)


def scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text(sql)) or 0)


def test_a_million_rows_move_to_partitions_while_deliveries_are_drained(
    million: str, service_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**service_env, "DATABASE_URL": million}
    engine = make_engine(million)
    try:
        with web_and_worker(env, tmp_path) as running:
            sender, watcher = Sender(running.base_url), Watcher(engine)
            sender.start()
            watcher.start()
            time.sleep(3)  # the drain is storing into the old table
            started = time.monotonic()
            mailhook = str(Path(sys.executable).with_name("mailhook"))
            upgrade = subprocess.run([mailhook, "db", "upgrade"], env=env, cwd=REPO, capture_output=True,
                                     text=True, timeout=300)  # fmt: skip
            finished = time.monotonic()
            time.sleep(3)  # and then into the new one
            sender.stopped.set()
            sender.join()
            drained = _wait(lambda: scalar(engine, "SELECT count(*) FROM inbox WHERE status <> 'done'") == 0)
            watcher.stopped.set()
            watcher.join()
        assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
        assert drained, "the inbox was not drained"
        took, meanwhile = finished - started, len(sender.accepted)
        print(f"\nmigration of {ROWS} rows: {took:.1f} s; {meanwhile} deliveries meanwhile")

        assert sender.refused == []
        during = [stored for at, stored in watcher.samples if started < at < finished]
        assert len(set(during)) > 1, "nothing was drained while the migration ran"
        with engine.connect() as connection:
            assert (
                connection.scalar(text("SELECT relkind FROM pg_class WHERE oid = 'events'::regclass")) == "p"
            )
            stored = connection.execute(
                text(
                    "SELECT mailgun_event_id, count(*) FROM events WHERE mailgun_event_id = ANY(:ids) "
                    "GROUP BY mailgun_event_id"
                ),
                {"ids": sender.accepted},
            ).all()
            assert {event_id for event_id, _ in stored} == set(sender.accepted)
            assert {n for _, n in stored} == {1}
            total, distinct = connection.execute(
                text("SELECT count(*), count(DISTINCT id) FROM events")
            ).one()
            assert total == distinct == ROWS + len(sender.accepted)
            assert connection.scalar(text("SELECT count(*) FROM events_default")) == 0
            greatest = connection.scalar(text("SELECT max(id) FROM events"))
            assert (
                connection.scalar(text("SELECT nextval(pg_get_serial_sequence('events', 'id'))")) > greatest
            )
    finally:
        engine.dispose()


def _wait(condition, timeout: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False
