"""State-changing API calls a browser could be made to send cross-site are refused; the 401 never asks a
browser for Basic credentials. On both stores, against a real dead letter that a forged call would replay."""

from __future__ import annotations

import base64

import pytest
from flask import Flask
from sqlalchemy import Engine

from tests.integration.conftest import API_TOKEN, BEARER, Api, add_inbox_row, inbox_status

BASIC = {"Authorization": "Basic " + base64.b64encode(f"api:{API_TOKEN}".encode()).decode()}
EVIL = "https://evil.example"


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        # What a form on evil.example sends with the browser's cached Basic credentials (answered 200 before).
        (
            {**BASIC, "Origin": EVIL, "Content-Type": "application/x-www-form-urlencoded"},
            "a=1",
            403,
            "foreign_origin",
        ),
        ({**BASIC, "Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"}, "x", 403, "foreign_origin"),
        ({**BEARER, "Origin": EVIL, "Content-Type": "application/json"}, "{}", 403, "foreign_origin"),
        ({**BEARER, "Origin": "null", "Sec-Fetch-Site": "cross-site"}, None, 403, "foreign_origin"),
        # The same forms without an Origin (an old browser, a proxy that drops it): no form sends JSON.
        ({**BASIC, "Content-Type": "application/x-www-form-urlencoded"}, "a=1", 415, "json_required"),
        ({**BASIC, "Content-Type": "multipart/form-data; boundary=x"}, "--x--", 415, "json_required"),
        ({**BASIC, "Content-Type": "text/plain"}, "{}", 415, "json_required"),
        ({**BEARER, "Content-Type": "text/plain"}, "{}", 415, "json_required"),
        (BASIC, None, 415, "json_required"),  # a bodyless fetch() would carry cached Basic credentials
        ({**BASIC, "Content-Type": "application/json"}, '{"status": "pending"}', 400, "bad_body"),
    ],
)
def test_a_call_a_browser_could_forge_changes_nothing(
    app: Flask, engine: Engine, headers: dict[str, str], body: str | None, status: int, code: str
) -> None:
    row_id = add_inbox_row(engine)
    response = app.test_client().post(f"/api/v1/dead-letters/{row_id}/replay", headers=headers, data=body)
    assert (response.status_code, response.get_json()["error"]["code"]) == (status, code)
    assert inbox_status(engine, row_id)[0] == "dead"


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        (BEARER, None),  # no browser adds a Bearer token by itself
        ({**BEARER, "Origin": "http://localhost"}, None),  # this service's own origin
        ({**BASIC, "Content-Type": "application/json"}, "{}"),
        ({**BASIC, "Content-Type": "application/json; charset=utf-8", "Sec-Fetch-Site": "same-origin"}, ""),
    ],
)
def test_clients_that_no_browser_form_imitates_still_change_state(
    app: Flask,
    engine: Engine,
    waker,
    headers: dict[str, str],
    body: str | None,  # type: ignore[no-untyped-def]
) -> None:
    row_id = add_inbox_row(engine)
    response = app.test_client().post(f"/api/v1/dead-letters/{row_id}/replay", headers=headers, data=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert inbox_status(engine, row_id)[0] == "pending"


def test_the_refusals_are_documented(api: Api, engine: Engine) -> None:
    row_id = add_inbox_row(engine)
    for path in (f"/dead-letters/{row_id}/replay", "/sync-actions/1/retry"):
        api.post(path, headers={**BASIC, "Origin": EVIL})  # Api checks each answer against the document
        api.post(path, headers=BASIC)
    assert {status for _, _, status in api.operations_seen} == {403, 415}


def test_a_401_asks_for_a_bearer_token_only_and_basic_still_works(api: Api) -> None:
    refused = api.get("/events", headers={})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="mailhook"'
    assert "basic" not in refused.headers["WWW-Authenticate"].lower()
    assert api.get("/events", headers=BASIC).status_code == 200
