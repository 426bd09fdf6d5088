"""/api/v1 credentials: Bearer or Basic api:<token>, every configured token, nothing echoed or logged."""

from __future__ import annotations

import base64
import logging

import pytest
from flask import Flask
from sqlalchemy import Engine

from app.web.factory import create_app
from tests.integration.conftest import API_TOKEN, Api, add_event


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def assert_refused(response: object) -> None:
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert response.get_json()["error"]["code"] == "unauthorized"  # type: ignore[attr-defined]
    assert "Bearer" in response.headers["WWW-Authenticate"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "headers",
    [
        None,
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {API_TOKEN}x"},
        {"Authorization": f"Token {API_TOKEN}"},
        basic("someone", API_TOKEN),
        basic("api", "wrong-token"),
        {"Authorization": "Basic not-base64!"},
    ],
    ids=[
        "none",
        "wrong-bearer",
        "longer-bearer",
        "other-scheme",
        "basic-other-user",
        "basic-wrong",
        "basic-junk",
    ],
)
def test_refused_without_a_valid_token(api: Api, engine: Engine, headers: dict[str, str] | None) -> None:
    add_event(engine)
    response = api.get("/events", headers=headers)
    assert_refused(response)
    assert "items" not in response.get_json()


def test_bearer_and_basic_api_token_are_accepted(api: Api, engine: Engine) -> None:
    add_event(engine)
    assert len(api.get("/events").get_json()["items"]) == 1
    assert len(api.get("/events", headers=basic("api", API_TOKEN)).get_json()["items"]) == 1


def test_every_configured_token_is_accepted(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    client = create_app(settings_for(db_url, api_tokens=("old-token", "new-token"))).test_client()
    for token in ("old-token", "new-token"):
        assert client.get("/api/v1/events", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/events", headers={"Authorization": f"Bearer {API_TOKEN}"}).status_code == 401


def test_no_configured_tokens_means_no_access(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    client = create_app(settings_for(db_url, api_tokens=())).test_client()
    for headers in ({}, {"Authorization": "Bearer "}, basic("api", "")):
        assert client.get("/api/v1/events", headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/stats"),
        ("GET", "/events/1"),
        ("GET", "/openapi.json"),
        ("GET", "/docs"),
        ("GET", "/docs/redoc.standalone.js"),
        ("POST", "/dead-letters/1/replay"),
        ("GET", "/no-such-endpoint"),
    ],
)
def test_every_endpoint_is_guarded(app: Flask, method: str, path: str) -> None:
    response = app.test_client().open(f"/api/v1{path}", method=method)
    assert response.status_code == 401


def test_a_presented_token_is_never_echoed_or_logged(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    secret = "presented-secret-value"
    caplog.set_level(logging.DEBUG)
    for headers in ({"Authorization": f"Bearer {secret}"}, basic("api", secret), basic(secret, API_TOKEN)):
        response = api.get("/events", headers=headers)
        assert response.status_code == 401
        assert secret not in response.get_data(as_text=True)
        assert secret not in str(response.headers)
    ok = api.get("/events", limit="0")
    assert ok.status_code == 400
    assert API_TOKEN not in ok.get_data(as_text=True)
    assert secret not in caplog.text and API_TOKEN not in caplog.text
