"""Numbers and nesting through the whole path, on Postgres and SQLite: a signed delivery posted to the real
intake, drained, then read back through /api/v1/events and the raw payload, every digit the same."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.core.db import make_engine
from app.core.json_body import DEFAULT_MAX_DEPTH
from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from app.core.settings import Settings
from app.web.factory import create_app
from tests.conftest import payload, sign
from workers.events.drain import drain_until_empty

BEARER = {"Authorization": "Bearer test-api-token"}
ORDER_ID = 123456789012345678901234567  # 27 digits: far past 64 bits
N = 1180591620717411303424  # 2**70
JSON_SAMPLE = "delivered.webhook-json.anymail-real-sanitized.json"
LEGACY_SAMPLE = "delivered.legacy-form.anymail.json"


class _NoWaker:
    def poke(self, _task: str | None = None) -> None:
        pass


class Pipeline:
    """The web app (intake and API) and the drain on one database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        app = create_app(settings)
        app.extensions["mailhook"].waker = _NoWaker()
        self.client: FlaskClient = app.test_client()
        self.engine = make_engine(settings.database_url)

    def post_json(self, body: bytes) -> Any:
        return self.client.post("/webhooks/mailgun", data=body, content_type="application/json")

    def post_form(self, pairs: list[tuple[str, str]]) -> Any:
        return self.client.post(
            "/webhooks/mailgun", data=urlencode(pairs), content_type="application/x-www-form-urlencoded"
        )

    def drain(self) -> None:
        drain_until_empty(self.engine, self.settings)

    def inbox(self) -> list[tuple[str, str | None]]:
        table = InboxRow.__table__
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(select(table.c.status, table.c.error)).all()]

    def event_count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Event)) or 0)

    def served(self) -> tuple[str, str]:
        """The listing's text and the single event's (with its raw payload), as served."""
        listing = self.client.get("/api/v1/events", headers=BEARER)
        assert listing.status_code == 200, listing.get_data(as_text=True)
        (item,) = listing.get_json()["items"]
        single = self.client.get(f"/api/v1/events/{item['id']}", headers=BEARER)
        assert single.status_code == 200, single.get_data(as_text=True)
        return listing.get_data(as_text=True), single.get_data(as_text=True)


@pytest.fixture
def pipeline(db_url: str, settings_for) -> Iterator[Pipeline]:  # type: ignore[no-untyped-def]
    built = Pipeline(settings_for(db_url))
    yield built
    built.engine.dispose()


def webhook(event_data_changes: dict[str, Any]) -> bytes:
    document = payload(JSON_SAMPLE)
    document["signature"] = sign()
    document["event-data"].update({"id": uuid.uuid4().hex, **event_data_changes})
    return json.dumps(document).encode()


def legacy_form(variables: str) -> list[tuple[str, str]]:
    fields = payload(LEGACY_SAMPLE)["fields"]
    headers = [*json.loads(fields["message-headers"]), ["X-Mailgun-Variables", variables]]
    pairs = [(k, v) for k, v in fields.items() if k not in ("timestamp", "token", "signature")]
    pairs = [(k, json.dumps(headers) if k == "message-headers" else v) for k, v in pairs]
    return pairs + list(sign().items())


def test_json_webhook_keeps_a_27_digit_integer(pipeline: Pipeline) -> None:
    body = webhook({"user-variables": {"order_id": ORDER_ID}, "big": [-ORDER_ID, {"deep": 2**64}]})
    assert pipeline.post_json(body).status_code == 200
    pipeline.drain()
    assert pipeline.inbox() == [("done", None)]
    listing, single = pipeline.served()
    assert str(ORDER_ID) in listing
    assert json.loads(listing)["items"][0]["user_variables"] == {"order_id": ORDER_ID}
    event = json.loads(single)
    assert event["user_variables"] == {"order_id": ORDER_ID}
    assert event["payload"]["user-variables"] == {"order_id": ORDER_ID}
    assert event["payload"]["big"] == [-ORDER_ID, {"deep": 2**64}]
    assert "e+" not in single  # never a float on the way


def test_legacy_form_keeps_a_70_bit_integer(pipeline: Pipeline) -> None:
    assert pipeline.post_form(legacy_form(json.dumps({"n": N}))).status_code == 200
    pipeline.drain()
    assert pipeline.inbox() == [("done", None)]
    listing, single = pipeline.served()
    assert f'"n":{N}' in listing.replace(" ", "")
    assert json.loads(single)["user_variables"] == {"n": N}


def nested(depth: int) -> Any:
    """A value whose containers nest `depth` levels (a scalar is depth 0), a big integer at the bottom."""
    value: Any = ORDER_ID
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


def test_nesting_at_the_intake_limit_is_stored_and_served(pipeline: Pipeline) -> None:
    # The body is one level: event-data two, user-variables three, so the bottom is at the limit exactly.
    inner = nested(DEFAULT_MAX_DEPTH - 3)
    body = webhook({"user-variables": {"v": inner}})
    assert json_depth(json.loads(body)) == DEFAULT_MAX_DEPTH
    assert pipeline.post_json(body).status_code == 200
    pipeline.drain()
    assert pipeline.inbox() == [("done", None)]
    _listing, single = pipeline.served()
    event = json.loads(single)
    assert event["payload"]["user-variables"] == {"v": inner}
    assert event["user_variables"] == {"v": inner}


def test_nesting_one_past_the_intake_limit_is_refused_before_storing(pipeline: Pipeline) -> None:
    body = webhook({"user-variables": {"v": nested(DEFAULT_MAX_DEPTH - 2)}})
    assert json_depth(json.loads(body)) == DEFAULT_MAX_DEPTH + 1
    response = pipeline.post_json(body)
    assert response.status_code == 400
    assert "nested" in response.get_json()["error"]["message"]
    assert pipeline.inbox() == []


def test_legacy_variables_nested_to_the_limit_are_stored_and_served(pipeline: Pipeline) -> None:
    variables = {"v": nested(DEFAULT_MAX_DEPTH - 1)}
    assert pipeline.post_form(legacy_form(json.dumps(variables))).status_code == 200
    pipeline.drain()
    assert pipeline.inbox() == [("done", None)]
    _listing, single = pipeline.served()
    assert json.loads(single)["user_variables"] == variables


def test_legacy_variables_nested_past_the_limit_are_kept_as_text(pipeline: Pipeline) -> None:
    text = json.dumps({"v": nested(DEFAULT_MAX_DEPTH)})
    assert pipeline.post_form(legacy_form(text)).status_code == 200
    pipeline.drain()
    assert pipeline.inbox() == [("done", None)]
    _listing, single = pipeline.served()
    assert json.loads(single)["user_variables"] == {"_raw": text}


def test_a_lower_configured_limit_is_the_intakes(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    pipeline = Pipeline(settings_for(db_url, json_max_depth=8))
    try:
        at_limit = webhook({"user-variables": {"v": nested(5)}})
        assert json_depth(json.loads(at_limit)) == 8
        assert pipeline.post_json(at_limit).status_code == 200
        response = pipeline.post_json(webhook({"user-variables": {"v": nested(6)}}))
        assert response.status_code == 400
        assert response.get_json()["error"]["message"] == "body is nested more than 8 levels deep"
        pipeline.drain()
        assert pipeline.inbox() == [("done", None)]
    finally:
        pipeline.engine.dispose()


def test_a_row_kept_before_the_limit_existed_is_a_dead_letter_with_its_reason(pipeline: Pipeline) -> None:
    deep = webhook({"user-variables": {"v": nested(DEFAULT_MAX_DEPTH + 40)}})
    kept = webhook({"user-variables": {"order_id": ORDER_ID}})
    with pipeline.engine.begin() as connection:
        for body in (deep, kept):
            signed = json.loads(body)["signature"]
            connection.execute(
                InboxRow.__table__.insert().values(
                    token=signed["token"], kind="webhook", route="webhooks", content_type="application/json",
                    body=body, headers={}, signed_at=datetime.now(UTC),
                )
            )  # fmt: skip
    pipeline.drain()
    assert sorted(pipeline.inbox(), key=str) == [
        ("dead", f"unreadable body: body is nested more than {DEFAULT_MAX_DEPTH} levels deep"),
        ("done", None),
    ]
    assert pipeline.event_count() == 1


def json_depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(json_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(json_depth, value), default=0)
    return 0
