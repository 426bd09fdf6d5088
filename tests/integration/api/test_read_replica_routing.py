"""Which server each request talks to when DATABASE_URL_READ is set, on the real Postgres server.

Every endpoint of the route table is called, so a new one is covered without being listed here: with the
replica unreachable, every read of /api/v1 but the feed answers 503 with Retry-After, while the feed, the
replay and retry endpoints, the dashboard's sign-in and the intake keep working on the database itself.
With the replica URL pointed at the database itself (read-only sessions), every write still succeeds: none
of them goes through the read engine. tests/integration/api/test_read_replica.py does the same against a
real streaming replica.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import DBAPIError

from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from app.web.factory import create_app
from tests.conftest import payload, sign, truncate_all
from tests.integration.conftest import BEARER, Api, RecordingWaker, add_event, add_inbox_row, event_row
from tests.integration.sync_support import add_sync_rows
from tests.support_forms import csrf_field

UNREACHABLE = "postgresql://127.0.0.1:1/replica"
# The reads that must see the latest writes (the feed; subscriptions, whose lag is measured against the feed
# and which an operator reads right after creating one), and the pages that read no database.
ON_THE_DATABASE_ITSELF = {
    "api.read_feed",
    "api.openapi_document",
    "api.list_subscriptions",
    "api.get_subscription",
    "api.api_reference",
    "api.api_reference_script",
    "api.api_reference_document",
}
# POSTs whose body is checked before any row is looked up: a bare POST is a 400 there, not a 404.
BODY_FIRST = {"api.create_subscription"}
PATH_VALUES = {"path": "someone@example.org", "default": "1"}


@pytest.fixture
def replica_down(pg_url: str, pg_engine: Engine, settings_for: Any) -> Iterator[Flask]:
    app = create_app(settings_for(pg_url, database_url_read=UNREACHABLE))
    app.extensions["mailhook"].waker = RecordingWaker()
    yield app
    truncate_all(pg_engine)


@pytest.fixture
def read_only_self(pg_url: str, pg_engine: Engine, settings_for: Any) -> Iterator[Flask]:
    """The "replica" is the database itself, through the read engine's read-only sessions."""
    app = create_app(settings_for(pg_url, database_url_read=pg_url))
    app.extensions["mailhook"].waker = RecordingWaker()
    yield app
    truncate_all(pg_engine)


def api_paths(app: Flask, method: str) -> list[tuple[str, str]]:
    """(endpoint, a concrete path) for every /api/v1 rule taking `method`, path parameters filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and method in (rule.methods or ()):
            path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: PATH_VALUES.get(m[1] or "default", "1"), rule.rule)
            found.append((rule.endpoint, path))
    assert found, f"no {method} rule under /api/v1"
    return found


def test_every_read_but_the_feed_is_503_with_retry_after_when_the_replica_is_down(
    replica_down: Flask,
) -> None:
    api = Api(replica_down.test_client())
    reads = [(endpoint, path) for endpoint, path in api_paths(replica_down, "GET")]
    assert len(reads) >= 12
    for endpoint, path in reads:
        response = api.client.get(path, headers=BEARER)
        if endpoint in ON_THE_DATABASE_ITSELF:  # answered by the database itself (no subscription 1: a 404)
            assert response.status_code in (200, 404), endpoint
            continue
        assert response.status_code == 503, endpoint
        assert response.get_json()["error"]["code"] == "store_unavailable", endpoint
        assert int(response.headers["Retry-After"]) > 0
        assert "127.0.0.1" not in response.get_data(as_text=True)


def test_writes_feed_intake_and_sign_in_stay_up_when_the_replica_is_down(
    replica_down: Flask, pg_engine: Engine
) -> None:
    api = Api(replica_down.test_client())
    for endpoint, path in api_paths(replica_down, "POST"):  # no row 1: the primary says so
        expected = 400 if endpoint in BODY_FIRST else 404
        assert api.client.post(path, headers=BEARER).status_code == expected, endpoint
    letter = add_inbox_row(pg_engine)
    assert api.post(f"/dead-letters/{letter}/replay").get_json()["status"] == "pending"
    action = add_sync_rows(pg_engine, "bob@example.org")
    assert api.post(f"/sync-actions/{action}/retry").get_json()["status"] == "pending"
    # The feed answers from the primary (what it serves depends on the server-wide watermark, which other
    # tests' databases on the shared server hold back: the streaming replica test checks its items).
    assert api.get("/feed").status_code == 200

    client = replica_down.test_client()
    delivered = client.post("/webhooks/mailgun", data=signed_webhook(), content_type="application/json")
    assert delivered.status_code == 200
    with pg_engine.connect() as connection:
        assert connection.execute(select(InboxRow.status).where(InboxRow.status == "pending")).all()

    form = csrf_field(client.get("/dashboard/login").get_data(as_text=True))
    assert (
        client.post("/dashboard/login", data={"token": "test-api-token", "csrf_token": form}).status_code
        == 302
    )
    page = client.get("/dashboard")  # the session opens (primary); the figures are the replica's
    assert page.status_code == 503
    assert int(page.headers["Retry-After"]) > 0
    assert "127.0.0.1" not in page.get_data(as_text=True)


def test_readiness_reports_the_replica_without_requiring_it(replica_down: Flask) -> None:
    client = replica_down.test_client()
    default = client.get("/readyz")
    assert default.status_code == 200
    assert default.get_json()["read_replicas"] == {"primary": False}
    assert default.get_json()["checks"]["replica"] is False
    intake_probe = client.get("/readyz?require=database")
    assert (intake_probe.status_code, intake_probe.get_json()) == (
        200,
        {"status": "ok", "checks": {"database": True}},
    )
    api_probe = client.get("/readyz?require=database,replica")
    assert api_probe.status_code == 503
    assert "Retry-After" in api_probe.headers


def test_no_write_goes_through_the_read_engine(read_only_self: Flask, pg_engine: Engine) -> None:
    """With read-only sessions behind the read engine, a write sent there would fail; every one succeeds."""
    [(_, read_engine)] = read_only_self.extensions["mailhook"].read_databases()
    with pytest.raises(DBAPIError, match="read-only transaction"), read_engine.begin() as connection:
        connection.execute(insert(Event).values(event_row()))
    api = Api(read_only_self.test_client())
    letter = add_inbox_row(pg_engine)
    assert api.post(f"/dead-letters/{letter}/replay").status_code == 200
    action = add_sync_rows(pg_engine, "bob@example.org")
    assert api.post(f"/sync-actions/{action}/retry").status_code == 200
    add_event(pg_engine, recipient="carol@example.org")
    assert [item["recipient"] for item in api.get("/events").get_json()["items"]] == ["carol@example.org"]

    client = read_only_self.test_client()
    delivered = client.post("/webhooks/mailgun", data=signed_webhook(), content_type="application/json")
    assert delivered.status_code == 200
    form = csrf_field(client.get("/dashboard/login").get_data(as_text=True))
    assert (
        client.post("/dashboard/login", data={"token": "test-api-token", "csrf_token": form}).status_code
        == 302
    )
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert (
        client.post(
            "/dashboard/logout", data={"csrf_token": csrf_field(page.get_data(as_text=True))}
        ).status_code
        == 302
    )
    with pg_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM dashboard_sessions")).scalar_one() == 0


def signed_webhook() -> bytes:
    document: dict[str, Any] = payload("delivered.webhook-json.anymail-real-sanitized.json")
    document["signature"] = sign()
    return json.dumps(document).encode()


def test_each_region_database_reads_its_own_replica(
    pg_url: str, pg_engine: Engine, eu_url: str, settings_for: Any
) -> None:
    """DATABASE_URL_EU_READ serves the EU database's reads only: unreachable, it costs region=eu its listings,
    and nothing of region=us, which reads the primary database (no DATABASE_URL_READ)."""
    app = create_app(settings_for(pg_url, database_url_eu=eu_url, database_url_eu_read=UNREACHABLE))
    api = Api(app.test_client())
    try:
        add_event(pg_engine, recipient="us@example.org")
        assert [i["recipient"] for i in api.get("/events", region="us").get_json()["items"]] == [
            "us@example.org"
        ]
        refused = api.get("/events", region="eu")
        assert (refused.status_code, refused.get_json()["error"]["code"]) == (503, "store_unavailable")
        assert api.get("/feed", region="eu").status_code == 200  # the EU database itself
        ready = app.test_client().get("/readyz")
        assert (ready.status_code, ready.get_json()["read_replicas"]) == (200, {"eu": False})
    finally:
        truncate_all(pg_engine)
