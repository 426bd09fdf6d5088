"""The API against a real streaming replica: a primary and a hot standby started once for the session
(tests/streaming_replica.py, the `streaming_replica` fixture of tests/conftest.py), mailhook with
DATABASE_URL on the one and DATABASE_URL_READ on the other.

Reads really go to the replica: with its replay paused, an event stored on the primary is not listed by
/events, while the feed (which reads the primary) serves it; once replay resumes, /events lists it. With the
replica stopped, reads are 503 with Retry-After, while the intake answers 200 and stores the delivery, and a
dead letter is replayed: writes never needed the replica.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.test import TestResponse

from app.api.routes import store_failed
from app.core.db import make_engine
from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from app.web.factory import create_app
from tests.conftest import payload, sign, truncate_all
from tests.integration.conftest import Api, RecordingWaker, add_event, add_inbox_row, inbox_status
from tests.streaming_replica import Pair
from workers.ops.checks import check_all, check_replica

pytestmark = pytest.mark.postgres


@pytest.fixture
def pair(streaming_replica: Pair) -> Pair:
    return streaming_replica


@pytest.fixture
def primary(pair: Pair) -> Iterator[Engine]:
    engine = make_engine(pair.primary.url())
    yield engine
    truncate_all(engine)
    engine.dispose()


@pytest.fixture
def app(pair: Pair, primary: Engine, settings_for: Any) -> Iterator[Flask]:
    app = create_app(settings_for(pair.primary.url(), database_url_read=pair.replica.url()))
    app.extensions["mailhook"].waker = RecordingWaker()
    yield app
    app.extensions["mailhook"].close()


def recipients(response: TestResponse) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["recipient"] for item in response.get_json()["items"]]


def test_reads_are_served_by_the_replica_once_it_has_replayed(
    app: Flask, pair: Pair, primary: Engine
) -> None:
    api = Api(app.test_client())
    add_event(primary, recipient="first@example.org")
    pair.wait_for_replay()
    assert recipients(api.get("/events")) == ["first@example.org"]

    pair.on_replica("SELECT pg_wal_replay_pause()")
    try:
        second = add_event(primary, recipient="second@example.org")
        # Not yet replayed: the replica, hence /events and /events/{id}, does not have it...
        assert recipients(api.get("/events")) == ["first@example.org"]
        assert api.get(f"/events/{second}").status_code == 404
        assert api.get("/recipients/second@example.org").status_code == 404
        # ...while the feed, which reads the primary, serves it.
        fed = [item["recipient"] for item in api.feed(2)["items"]]
        assert fed == ["first@example.org", "second@example.org"]
    finally:
        pair.on_replica("SELECT pg_wal_replay_resume()")
    pair.wait_for_replay()
    assert recipients(api.get("/events")) == ["second@example.org", "first@example.org"]
    assert api.get(f"/events/{second}").get_json()["recipient"] == "second@example.org"


def test_with_the_replica_down_reads_are_503_while_intake_and_writes_go_on(
    app: Flask, pair: Pair, primary: Engine
) -> None:
    api = Api(app.test_client())
    add_event(primary)
    letter = add_inbox_row(primary)
    pair.wait_for_replay()
    assert len(recipients(api.get("/events"))) == 1  # the read engine has a pooled connection now

    pair.replica.stop()
    try:
        for path in ("/events", "/events", "/stats", "/dead-letters"):  # a pooled connection, then new ones
            response = api.get(path)
            assert response.status_code == 503, path
            assert response.get_json()["error"]["code"] == "store_unavailable"
            assert int(response.headers["Retry-After"]) > 0

        client = app.test_client()
        delivered = client.post("/webhooks/mailgun", data=signed_webhook(), content_type="application/json")
        assert delivered.status_code == 200
        with primary.connect() as connection:
            stored = connection.execute(select(InboxRow.id).where(InboxRow.status == "pending")).all()
        assert len(stored) == 1

        assert api.post(f"/dead-letters/{letter}/replay").get_json()["status"] == "pending"
        assert inbox_status(primary, letter) == ("pending", None)
        assert api.get("/feed").status_code == 200

        ready = client.get("/readyz?require=database")
        assert ready.status_code == 200
        reported = client.get("/readyz")
        assert reported.status_code == 200
        assert reported.get_json()["read_replicas"] == {"primary": False}
    finally:
        pair.replica.start()
    pair.wait_for_replay()
    assert len(recipients(api.get("/events"))) == 1  # back without a restart of mailhook
    assert client.get("/readyz").get_json()["read_replicas"] == {"primary": True}


def test_a_query_cancelled_by_a_recovery_conflict_is_a_503(app: Flask, pair: Pair, primary: Engine) -> None:
    """A standby cancels what stands in the way of its replay (here a lock that a primary's LOCK TABLE needs):
    the error that follows is the replica being away, hence 503 with Retry-After, not a 500."""
    [(_, read_engine)] = app.extensions["mailhook"].read_databases()
    add_event(primary)
    pair.wait_for_replay()
    with read_engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Event)).scalar_one() == 1  # holds a lock
        with primary.begin() as locking:
            locking.execute(text("LOCK TABLE events IN ACCESS EXCLUSIVE MODE"))
        pair.wait_for_replay()  # replay waits max_standby_streaming_delay, then ends the standby's session
        with pytest.raises(SQLAlchemyError) as conflict:
            connection.execute(select(func.count()).select_from(Event))
    assert "conflict with recovery" in str(conflict.value.orig)
    with app.test_request_context("/api/v1/events"):
        answer = store_failed(conflict.value)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]


def test_a_standby_snapshot_lists_no_transaction_in_progress(pair: Pair, primary: Engine) -> None:
    """Why the feed never takes its watermark on a replica (docs/feed.md): the standby's snapshot has the
    primary's xmin but none of the transactions in progress that the primary's lists."""
    with primary.connect() as writing:
        xid = writing.execute(text("SELECT pg_current_xact_id()::text")).scalar_one()
        writing.execute(text("CREATE TEMP TABLE held (n int)"))  # WAL, so the standby sees the xid
        with primary.begin() as other:
            other.execute(text("SELECT pg_current_xact_id()"))
        pair.wait_for_replay()
        on_primary = snapshot(primary)
        replica = make_engine(pair.replica.url())
        try:
            on_replica = snapshot(replica)
        finally:
            replica.dispose()
        writing.rollback()
    assert xid in on_primary.split(":")[2].split(",")  # the primary lists the open transaction
    assert on_replica.split(":")[0] == xid  # the standby's xmin stops at it...
    assert on_replica.split(":")[2] == ""  # ...but it lists nothing in progress


def snapshot(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT pg_current_snapshot()::text")).scalar_one())


def test_mailhook_check_reports_the_replica(pair: Pair, settings_for: Any) -> None:
    settings = settings_for(pair.primary.url(), database_url_read=pair.replica.url())
    pair.wait_for_replay()
    found = {finding.subject: finding for finding in check_all(settings) if "database" in finding.subject}
    assert found["database replica"].ok, found["database replica"].detail
    assert found["database replica"].detail.startswith("standby, schema at ")
    not_a_standby = check_replica(pair.primary.url(), "database replica")
    assert (not_a_standby.ok, "no standby" in not_a_standby.detail) == (False, True)
    assert not check_replica("postgresql://127.0.0.1:1/replica", "database replica").ok


def signed_webhook() -> bytes:
    document: dict[str, Any] = payload("delivered.webhook-json.anymail-real-sanitized.json")
    document["signature"] = sign()
    return json.dumps(document).encode()
