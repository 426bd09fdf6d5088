"""Every error answer carries a top-level `message`, the shape Mailgun's own API answers errors with, beside
the `error` object ({"code", "message"}) the service has always sent: the API, the intake, /readyz."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.web.factory import create_app
from tests.conftest import sign
from tests.integration.conftest import BEARER

JSON = {"Content-Type": "application/json"}
REPLAY = "/api/v1/dead-letters/1/replay"


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    assert body["error"]["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert body["message"] == body["error"]["message"]
    return body


@pytest.fixture
def sqlite_app(sqlite_url: str, settings_for) -> Flask:  # type: ignore[no-untyped-def]
    return create_app(settings_for(sqlite_url))


@pytest.fixture
def client(sqlite_app: Flask) -> FlaskClient:
    return sqlite_app.test_client()


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("get", "/api/v1/events", {"query_string": {"limit": "0"}}, 400, "bad_parameter"),
        ("get", "/api/v1/events", {}, 401, "unauthorized"),
        ("get", "/api/v1/events/0", {}, 404, "not_found"),
        ("get", "/api/v1/no-such-thing", {}, 404, "not_found"),
        ("delete", "/api/v1/events", {}, 405, "method_not_allowed"),
        ("post", REPLAY, {"headers": {"Origin": "https://evil.example"}}, 403, "foreign_origin"),
        ("post", REPLAY, {"data": "a=b", "content_type": "text/plain"}, 415, "json_required"),
        ("post", REPLAY, {"data": "[1]", "headers": JSON}, 400, "bad_body"),
    ],
)  # fmt: skip
def test_api_errors_carry_a_top_level_message(
    client: FlaskClient, method: str, path: str, kwargs: dict[str, Any], status: int, code: str
) -> None:
    headers = {**(BEARER if status != 401 else {}), **kwargs.pop("headers", {})}
    refused(getattr(client, method)(path, headers=headers, **kwargs), status, code)


def test_api_server_and_store_errors_carry_a_top_level_message(settings_for, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    away = create_app(settings_for("postgresql://127.0.0.1:1/nowhere")).test_client()
    refused(away.get("/api/v1/events", headers=BEARER), 503, "store_unavailable")
    broken = create_app(settings_for(sqlite_url))
    broken.testing = False

    def fails() -> None:
        raise RuntimeError("boom")

    broken.view_functions["api.event_stats"] = fails
    body = refused(broken.test_client().get("/api/v1/stats", headers=BEARER), 500, "server_error")
    assert "boom" not in body["message"]


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"data": b'{"signature": {}}', "headers": JSON}, 401, "signature_missing"),
        # Signed, then unreadable: an unsigned body is refused before it is decoded.
        (
            {"data": b'{"signature": %s, not json' % json.dumps(sign()).encode(), "headers": JSON},
            400,
            "unreadable_body",
        ),
        ({"data": b"x", "headers": {"Content-Type": "image/png"}}, 415, "unsupported_media_type"),
        ({"data": b"{" + b" " * (2 << 20) + b"}", "headers": JSON}, 413, "too_large"),
    ],
)
def test_intake_errors_carry_a_top_level_message(
    client: FlaskClient, kwargs: dict[str, Any], status: int, code: str
) -> None:
    if callable(kwargs.get("data")):  # signed when the test runs, not when it is collected
        kwargs = {**kwargs, "data": kwargs["data"]()}
    refused(client.post("/webhooks/mailgun", **kwargs), status, code)


def test_intake_wrong_method_carries_a_top_level_message(client: FlaskClient) -> None:
    refused(client.get("/webhooks/mailgun"), 405, "method_not_allowed")


def test_readiness_refusals_carry_a_top_level_message(client: FlaskClient, settings_for) -> None:  # type: ignore[no-untyped-def]
    unknown = client.get("/readyz?require=database,nonsense")
    assert unknown.status_code == 400
    assert "nonsense" in unknown.get_json()["message"]
    away = create_app(settings_for("postgresql://127.0.0.1:1/nowhere")).test_client()
    down = away.get("/readyz?require=database")
    assert down.status_code == 503
    assert down.get_json()["message"] == "not ready: database unavailable"
    assert "127.0.0.1" not in down.get_data(as_text=True)


def test_the_documented_error_schema_requires_the_top_level_message(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json", headers=BEARER).get_json()
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["message"] == {**error["properties"]["message"], "type": "string"}
    assert set(error["required"]) == {"message", "error"}
