"""DATABASE_URL_READ with real processes: gunicorn and the Celery worker on a throwaway primary, the API's
reads on its streaming replica (the `streaming_replica` fixture), the replica's URL read from a secret file
(DATABASE_URL_READ_FILE) as a deployment mounts it.

The worker stores each delivery's event on the primary; /api/v1/events lists it once the replica has
replayed it, and not while the replica's replay is paused, when only the feed (on the primary) serves it.
With the replica stopped, /api/v1/events is 503 with Retry-After, the intake goes on answering 200 and the
worker stores what it receives.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from app.core.db import make_engine
from tests.conftest import payload, sign, truncate_all
from tests.e2e.conftest import API_TOKEN, Service, web_and_worker
from tests.streaming_replica import Pair

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture
def primary(streaming_replica: Pair) -> Iterator[Engine]:
    engine = make_engine(streaming_replica.primary.url())
    yield engine
    truncate_all(engine)
    engine.dispose()


@pytest.fixture
def service(
    streaming_replica: Pair, primary: Engine, service_env: dict[str, str], tmp_path: Path
) -> Iterator[Service]:
    secret = tmp_path / "database_url_read"
    secret.write_text(streaming_replica.replica.url() + "\n")
    env = {
        **service_env,
        "DATABASE_URL": streaming_replica.primary.url(),
        "DATABASE_URL_READ_FILE": str(secret),
    }
    with web_and_worker(env, tmp_path) as running:
        yield running


def post(client: httpx.Client) -> str:
    document = payload("delivered.webhook-json.anymail-real-sanitized.json")
    event_id = uuid.uuid4().hex
    document["event-data"].update(id=event_id, domain={"name": "example.com"})
    document["signature"] = sign()
    answer = client.post(
        "/webhooks/mailgun", content=json.dumps(document), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    return event_id


def listed(client: httpx.Client) -> set[str]:
    page = client.get("/api/v1/events", params={"limit": 100}).raise_for_status().json()
    return {item["mailgun_event_id"] for item in page["items"]}


def fed(client: httpx.Client) -> set[str]:
    page = client.get("/api/v1/feed", params={"limit": 100}).raise_for_status().json()
    return {item["mailgun_event_id"] for item in page["items"]}


def stored(primary: Engine) -> set[str]:
    with primary.connect() as connection:
        return {row[0] for row in connection.execute(text("SELECT mailgun_event_id FROM events"))}


def eventually(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.2)


def test_the_api_reads_the_replica_and_the_intake_never_needs_it(
    service: Service, streaming_replica: Pair, primary: Engine
) -> None:
    pair = streaming_replica
    with httpx.Client(
        base_url=service.base_url, timeout=10, headers={"Authorization": f"Bearer {API_TOKEN}"}
    ) as client:
        first = post(client)
        eventually(lambda: listed(client) == {first})

        pair.on_replica("SELECT pg_wal_replay_pause()")
        try:
            second = post(client)
            eventually(lambda: stored(primary) == {first, second})  # the worker stored it on the primary
            eventually(lambda: fed(client) == {first, second})  # the feed reads the primary
            assert listed(client) == {first}  # /events reads the replica, whose replay is paused
        finally:
            pair.on_replica("SELECT pg_wal_replay_resume()")
        eventually(lambda: listed(client) == {first, second})

        pair.replica.stop()
        try:
            for _ in range(3):  # each web process: a pooled connection, then new ones, all refused
                refused = client.get("/api/v1/events")
                assert refused.status_code == 503
                assert refused.json()["error"]["code"] == "store_unavailable"
                assert int(refused.headers["Retry-After"]) > 0
            third = post(client)
            eventually(lambda: stored(primary) == {first, second, third})
            ready = client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["read_replicas"] == {"primary": False}
        finally:
            pair.replica.start()
        eventually(lambda: listed(client) == {first, second, third})
    assert "127.0.0.1:" + str(pair.replica.port) not in service.logs()  # the replica's URL is never logged
