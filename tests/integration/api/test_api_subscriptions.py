"""/api/v1/subscriptions on Postgres and SQLite: create (the secret once), list with lag, get, delete,
resume, and the refusals. Every answer is validated against the served OpenAPI document (see conftest.Api).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, select, update

from app.core.models.subscriptions import PushSubscription
from app.web.factory import create_app
from tests.integration.conftest import Api, add_event

RECEIVER = "http://127.0.0.1:9/hooks"


def create(api: Api, body: dict[str, Any], **query: Any) -> dict[str, Any]:
    response = api.post_json("/subscriptions", body, **query)
    assert response.status_code == 201, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    answer: dict[str, Any] = response.get_json()
    return answer


def test_create_answers_a_standard_webhooks_secret_once(api: Api, engine: Engine) -> None:
    answer = create(api, {"url": RECEIVER, "types": ["Bounced", "complained"], "region": "us"})
    secret = answer.pop("secret")
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    assert (answer["url"], answer["types"], answer["region"], answer["status"]) == (
        RECEIVER,
        ["bounced", "complained"],
        "us",
        "active",
    )
    assert answer["lag"] == {"items": 0, "seconds": 0.0}
    shown = api.get(f"/subscriptions/{answer['id']}").get_json()
    listed = api.get("/subscriptions").get_json()["items"]
    assert shown == listed[0] and "secret" not in shown
    assert secret not in str(shown) + str(listed)
    with engine.connect() as connection:  # kept, for signing, and only there
        assert connection.execute(select(PushSubscription.signing_secret)).scalar_one() == secret


def test_lag_counts_the_subscriptions_own_events_stored_after_it(api: Api, engine: Engine) -> None:
    bounces = create(api, {"url": RECEIVER, "types": ["bounced"]})
    everything = create(api, {"url": RECEIVER})
    add_event(engine, type="bounced")
    add_event(engine, type="delivered")
    lags = {item["id"]: item["lag"] for item in api.get("/subscriptions").get_json()["items"]}
    assert lags[bounces["id"]]["items"] == 1
    assert lags[everything["id"]]["items"] == 2
    assert lags[everything["id"]]["seconds"] > 0  # the test rows were received long ago


def test_delete_forgets_it(api: Api) -> None:
    made = create(api, {"url": RECEIVER})
    assert api.delete(f"/subscriptions/{made['id']}").status_code == 204
    assert api.get(f"/subscriptions/{made['id']}").status_code == 404
    assert api.delete(f"/subscriptions/{made['id']}").status_code == 404


def test_resume_flips_a_paused_subscription_only(api: Api, engine: Engine) -> None:
    made = create(api, {"url": RECEIVER})
    assert api.post(f"/subscriptions/{made['id']}/resume").status_code == 409
    with engine.begin() as connection:
        connection.execute(update(PushSubscription).values(status="paused", attempts=7, last_error="503"))
    resumed = api.post(f"/subscriptions/{made['id']}/resume")
    assert resumed.status_code == 200
    body = resumed.get_json()
    assert (body["status"], body["attempts"], body["failing_since"]) == ("active", 0, None)
    assert body["feed_position"] == made["feed_position"]  # the cursor is kept


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "https://user:pw@example.com/x"}, "url"),
        ({"url": "https://token@example.com/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "http:///nohost"}, "url"),
        ({"url": "https://example.com/a b"}, "url"),
        ({}, "url"),
        ({"url": RECEIVER, "types": ["spam"]}, "types"),
        ({"url": RECEIVER, "types": []}, "types"),
        ({"url": RECEIVER, "types": "bounced"}, "types"),
        ({"url": RECEIVER, "region": "asia"}, "region"),
        ({"url": RECEIVER, "typo": 1}, "typo"),
    ],
)
def test_refused_bodies_are_400_naming_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    response = api.post_json("/subscriptions", body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_field" and repr(field) in error["message"]


@pytest.mark.parametrize("raw", [b"[]", b"not json", b"x" * 9000])
def test_a_body_that_is_no_object_is_refused(api: Api, raw: bytes) -> None:
    response = api.client.post(
        "/api/v1/subscriptions",
        data=raw,
        headers={"Authorization": "Bearer test-api-token", "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_body"


def test_loopback_and_private_hosts_are_allowed_and_the_allow_list_narrows(
    api: Api, db_url: str, settings_for: Any
) -> None:
    for url in ("http://localhost:8080/x", "http://10.1.2.3/x", "https://[::1]:9000/x"):
        create(api, {"url": url})
    narrowed: Flask = create_app(
        settings_for(db_url, push=_push(allowed_hosts=("hooks.internal", ".svc.cluster.local")))
    )
    narrow = Api(narrowed.test_client())
    assert create(narrow, {"url": "https://hooks.internal/x"})["url"] == "https://hooks.internal/x"
    assert create(narrow, {"url": "http://crm.svc.cluster.local:8000/in"})["status"] == "active"
    refused = narrow.post_json("/subscriptions", {"url": "http://127.0.0.1/x"})
    assert refused.status_code == 400 and "ALLOWED_HOSTS" in refused.get_json()["error"]["message"]


def test_unauthenticated_calls_are_refused(api: Api) -> None:
    assert api.post_json("/subscriptions", {"url": RECEIVER}, headers={"X": "y"}).status_code == 401
    assert api.get("/subscriptions", headers={"X": "y"}).status_code == 401


def _push(**changes: Any) -> Any:
    from dataclasses import replace

    from app.core.settings import PushSettings

    return replace(PushSettings(), **changes)
