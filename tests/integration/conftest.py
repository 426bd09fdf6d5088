"""Fixtures for the /api/v1 tests: an app on each store, rows seeded directly, every answer checked against
the served OpenAPI document."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from sqlalchemy import Engine, event, insert, select, text
from werkzeug.test import EnvironBuilder, TestResponse
from werkzeug.wrappers import Request

from app.core.db import make_engine
from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from app.core.task_names import DRAIN_INBOX
from app.web.factory import create_app

API_TOKEN = "test-api-token"
BEARER = {"Authorization": f"Bearer {API_TOKEN}"}
BASE_TIME = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
_serial = itertools.count(1)


if TYPE_CHECKING:
    from tests.integration.reconcile_support import Fakes


class RecordingWaker:
    """Stands in for the drain waker: counts pokes instead of publishing to a broker."""

    def __init__(self) -> None:
        self.pokes = 0
        self.tasks: set[str] = set()  # the drains woken

    def poke(self, task: str | None = None) -> None:
        self.pokes += 1
        self.tasks.add(task or DRAIN_INBOX)


class Api:
    """A test client for /api/v1 that validates every request and response against /api/v1/openapi.json."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        document = client.get("/api/v1/openapi.json", headers=BEARER)
        assert document.status_code == 200
        self.document: dict[str, Any] = document.get_json()
        self.spec = openapi_for(document.get_data(as_text=True))
        self.operations_seen: set[tuple[str, str, int]] = set()

    def get(self, path: str, *, headers: dict[str, str] | None = BEARER, **query: Any) -> TestResponse:
        return self._checked(self.client.get(f"/api/v1{path}", query_string=query, headers=headers or {}))

    def feed(self, count: int, **query: Any) -> dict[str, Any]:
        """A feed page once it holds `count` items. The feed serves only positions below the oldest
        transaction still open on the server, so a test's own committed events can wait behind another
        test's open transaction: one long poll answers as soon as some are visible, not all."""
        deadline = time.monotonic() + 30
        while True:
            response = self.get("/feed", wait="5", **query)
            assert response.status_code == 200, response.get_json()
            body: dict[str, Any] = response.get_json()
            if len(body["items"]) >= count or time.monotonic() > deadline:
                return body

    def post(self, path: str, *, headers: dict[str, str] | None = BEARER) -> TestResponse:
        return self._checked(self.client.post(f"/api/v1{path}", headers=headers or {}))

    def post_json(
        self, path: str, body: object, *, headers: dict[str, str] | None = BEARER, **query: Any
    ) -> TestResponse:
        asked = {"json": body, "query_string": query, "headers": headers or {}}
        sent = self.client.post(f"/api/v1{path}", **asked)  # type: ignore[arg-type]
        # The app has read the body from the request's stream: the check reads it from a copy.
        copy = EnvironBuilder(f"/api/v1{path}", method="POST", **asked).get_request()  # type: ignore[arg-type]
        return self._checked(sent, copy)

    def delete(self, path: str, *, headers: dict[str, str] | None = BEARER, **query: Any) -> TestResponse:
        return self._checked(self.client.delete(f"/api/v1{path}", query_string=query, headers=headers or {}))

    def _checked(self, response: TestResponse, sent: Request | None = None) -> TestResponse:
        request = WerkzeugOpenAPIRequest(sent or response.request)
        if response.status_code < 400:  # A refused request is, as a rule, not a valid one.
            self.spec.validate_request(request)
        self.spec.validate_response(request, WerkzeugOpenAPIResponse(response))
        self.operations_seen.add((response.request.method, response.request.path, response.status_code))
        return response


@cache
def openapi_for(served: str) -> OpenAPI:
    """Checking a document takes a while; the served text is the key, so a changed document is rebuilt."""
    return OpenAPI.from_dict(json.loads(served))


@pytest.fixture
def app(db_url: str, settings_for) -> Flask:  # type: ignore[no-untyped-def]
    return create_app(settings_for(db_url))


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app.test_client())


@pytest.fixture
def waker(app: Flask) -> RecordingWaker:
    recording = RecordingWaker()
    app.extensions["mailhook"].waker = recording
    return recording


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def event_row(**overrides: Any) -> dict[str, Any]:
    """A complete events row; every column a test does not care about gets a plausible value."""
    serial = next(_serial)
    row: dict[str, Any] = {
        "mailgun_event_id": f"evt-{serial}",
        "occurred_at": BASE_TIME,
        "received_at": BASE_TIME,
        "event": "delivered",
        "severity": None,
        "type": "delivered",
        "region": "us",
        "domain": "example.com",
        "recipient": "alice@example.org",
        "message_id": f"msg-{serial}@example.com",
        "tags": [],
        "user_variables": {},
        "reason": None,
        "delivery_status": {"code": 250, "message": "OK"},
        "url": None,
        "ip": None,
        "client_info": None,
        "geolocation": None,
        "mailing_list": None,
        "storage_url": None,
        "source": "webhook",
        "payload": {"event": "delivered", "id": f"evt-{serial}"},
        "inbox_id": None,
    }
    row.update(overrides)
    if "occurred_at" in overrides and "received_at" not in overrides:
        row["received_at"] = overrides["occurred_at"]
    return row


@contextmanager
def statements_sent(engine: Engine) -> Iterator[list[str]]:
    """Every statement the engine sends while inside, in order, with "COMMIT" where a transaction commits."""
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    def committed(conn: object) -> None:
        statements.append("COMMIT")

    event.listen(engine, "before_cursor_execute", seen)
    event.listen(engine, "commit", committed)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)
        event.remove(engine, "commit", committed)


@contextmanager
def vacuum_holding(engine: Engine, table: str) -> Iterator[None]:
    """Another session holding what autovacuum holds on a table it works on (often today's partition, at
    volume) while inside."""
    vacuum = engine.connect()
    try:
        vacuum.execute(text(f"LOCK TABLE {table} IN SHARE UPDATE EXCLUSIVE MODE"))
        yield
    finally:
        vacuum.rollback()
        vacuum.close()


def add_event(engine: Engine, **overrides: Any) -> int:
    with engine.begin() as connection:
        inserted = connection.execute(insert(Event).values(event_row(**overrides)).returning(Event.id))
        return int(inserted.scalar_one())


def add_inbox_row(engine: Engine, **overrides: Any) -> int:
    serial = next(_serial)
    row: dict[str, Any] = {
        "token": f"token-{serial}",
        "kind": "webhook",
        "route": "webhooks",
        "content_type": "application/json",
        "body": b'{"signature": {"signature": "SECRET-SIGNATURE"}, "event-data": {}}',
        "headers": {"Content-Type": "application/json"},
        "region_hint": None,
        "domain_hint": None,
        "status": "dead",
        "attempts": 1,
        "error": "cannot normalize: no event name",
    }
    row.update(overrides)
    with engine.begin() as connection:
        return int(connection.execute(insert(InboxRow).values(row).returning(InboxRow.id)).scalar_one())


def inbox_status(engine: Engine, row_id: int) -> tuple[str, str | None]:
    with engine.connect() as connection:
        status, error = connection.execute(
            select(InboxRow.status, InboxRow.error).where(InboxRow.id == row_id)
        ).one()
    return status, error


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    """A fake Mailgun per region, running for the test (the reconcile, CLI and metrics tests' Mailgun)."""
    from tests.integration.reconcile_support import running_fakes  # that module imports this one

    with running_fakes() as running:
        yield running
