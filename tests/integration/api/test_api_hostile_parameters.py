"""Hostile parameter values against the real endpoints, on Postgres and SQLite: each is a 400 naming the
parameter (404 for a path id that names nothing), never a 500 or a 503 that says storage is unavailable."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from app.api.bounds import EARLIEST, LATEST, MAX_BIGINT
from app.web.factory import create_app
from tests.integration.conftest import BEARER, Api, add_event, add_inbox_row
from tests.unit.api.test_parameter_fuzz import edge_ints, huge_ints, json_parts, near_times

BIG = 10**30
REAL = settings(
    max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
# Every listing with the parameters that reach a query, and its cursor's listing name and key size.
LISTINGS = {
    "/events": ("events", 2),
    "/messages/m1@example.com/events": ("timeline", 2),
    "/inbound": ("inbound", 2),
    "/dead-letters": ("dead-letters", 1),
    "/sync-actions": ("sync-actions", 1),
    "/suppressions": ("suppressions", 1),
}
TIMED = ("/events", "/messages/m1@example.com/events", "/inbound", "/stats")


def cursor(*document: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(document)).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        # What an attack review found: a 500 on SQLite and a false 503 on Postgres, or a 500 on both.
        ("/events", {"cursor": cursor("events", 0, BIG)}, "cursor"),
        ("/events", {"since": "Fri, 31 Dec 9999 23:59:59 -2359"}, "since"),
        ("/stats", {"since": "Fri, 31 Dec 9999 23:59:59 -2359"}, "since"),
        # The same kinds of value on every other parameter that reaches a query.
        ("/messages/m1@example.com/events", {"cursor": cursor("timeline", 0, BIG)}, "cursor"),
        ("/inbound", {"cursor": cursor("inbound", 0, BIG)}, "cursor"),
        ("/dead-letters", {"cursor": cursor("dead-letters", BIG)}, "cursor"),
        ("/sync-actions", {"cursor": cursor("sync-actions", BIG)}, "cursor"),
        ("/suppressions", {"cursor": cursor("suppressions", -BIG)}, "cursor"),
        ("/events", {"cursor": cursor("events", 0, MAX_BIGINT + 1)}, "cursor"),
        ("/events", {"until": "Fri, 31 Dec 9999 23:59:59 -2359"}, "until"),
        ("/inbound", {"since": "Fri, 31 Dec 9999 23:59:59 -2359"}, "since"),
        ("/events", {"limit": "1" * 5000}, "limit"),
        ("/dead-letters", {"limit": "9" * 30}, "limit"),
        ("/events", {"recipient": "a\x00b"}, "recipient"),
        ("/events", {"tag": "a\x00b"}, "tag"),
        ("/events", {"message_id": "\x00"}, "message_id"),
        ("/inbound", {"sender": "a\x00b"}, "sender"),
        ("/suppressions", {"address": "a\x00b"}, "address"),
        ("/stats", {"domain": "a\x00b"}, "domain"),
        ("/messages/a%00b/events", {}, "message_id"),
        ("/recipients/a%00b", {}, "address"),
    ],
)
def test_hostile_values_are_400s_naming_the_parameter(
    api: Api, path: str, query: dict[str, str], parameter: str
) -> None:
    response = api.get(path, **query)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert f"parameter {parameter!r}" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/events/{BIG}"),
        ("GET", f"/events/{'9' * 5000}"),
        ("POST", f"/dead-letters/{BIG}/replay"),
        ("POST", f"/sync-actions/{BIG}/retry"),
        ("GET", f"/inbound/{BIG}"),
        ("GET", f"/inbound/{BIG}/raw"),
        ("GET", f"/inbound/{BIG}/attachments/1"),
        ("GET", f"/inbound/1/attachments/{BIG}"),
        ("GET", f"/inbound/1/attachments/{2**40}"),  # a 64-bit number, past the 32-bit column
    ],
)
def test_path_ids_no_row_can_have_are_404s(api: Api, method: str, path: str) -> None:
    response = api.post(path) if method == "POST" else api.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_whole_range_of_times_is_stored_listed_and_paged_on_both_stores(api: Api, engine: Engine) -> None:
    oldest = add_event(engine, occurred_at=EARLIEST, message_id="m1@example.com")
    newest = add_event(engine, occurred_at=LATEST, message_id="m1@example.com")
    seen: list[int] = []
    query: dict[str, str] = {"since": "0001-01-01T00:00:00Z", "limit": "1"}
    for _ in range(3):
        page = api.get("/events", **query)
        assert page.status_code == 200
        seen += [item["id"] for item in page.get_json()["items"]]
        if page.get_json()["next_cursor"] is None:
            break
        query["cursor"] = page.get_json()["next_cursor"]  # cursors at year 9999 and year 1 are read back
    assert seen == [newest, oldest]
    timeline = api.get("/messages/m1@example.com/events", until="9999-12-31T23:59:59.999999Z")
    assert [item["id"] for item in timeline.get_json()["items"]] == [oldest]
    for interval in ("hour", "day"):
        last = api.get(
            "/stats", since="9999-12-31T00:00:00Z", until="9999-12-31T23:59:59.999999Z", interval=interval
        )
        assert last.status_code == 200 and last.get_json()["buckets"][-1]["start"].startswith("9999-12-31")
    first = api.get("/stats", until="0001-01-02T00:00:00Z")
    assert first.status_code == 200 and first.get_json()["buckets"][0]["total"] == 1


def test_generated_times_limits_and_cursors_reach_every_store_or_are_400s(api: Api, engine: Engine) -> None:
    add_event(engine, message_id="m1@example.com")
    add_inbox_row(engine)
    times = st.one_of(near_times, st.text(max_size=30))
    listing_cursor = st.sampled_from(sorted(LISTINGS)).flatmap(
        lambda path: st.tuples(
            st.just(path),
            st.lists(edge_ints | huge_ints, min_size=LISTINGS[path][1], max_size=LISTINGS[path][1]).map(
                lambda key, name=LISTINGS[path][0]: cursor(name, *key)
            )
            | st.lists(json_parts, max_size=3).map(lambda key, name=LISTINGS[path][0]: cursor(name, *key)),
        )
    )

    # The bare client: these requests are meant to be invalid, so only the answer's status is checked.
    client = api.client

    @REAL
    @given(st.sampled_from(TIMED), times, times)
    def times_against(path: str, since: str, until: str) -> None:
        answer(
            client.get(f"/api/v1{path}", query_string={"since": since, "until": until}, headers=BEARER),
            ("since", "until"),
        )

    @REAL
    @given(listing_cursor, st.one_of(huge_ints.map(str), st.text(max_size=8)))
    def pages_against(path_and_cursor: tuple[str, str], limit: str) -> None:
        path, raw = path_and_cursor
        query = {"cursor": raw, "limit": limit}
        answer(client.get(f"/api/v1{path}", query_string=query, headers=BEARER), ("cursor", "limit"))

    times_against()
    pages_against()


def answer(response: Any, parameters: tuple[str, ...]) -> None:
    """A page, or a 400 that names one of the parameters sent (an empty value is ignored, so a 200)."""
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 400:
        message = response.get_json()["error"]["message"]
        assert any(f"parameter {name!r}" in message for name in parameters), message


def test_a_query_the_store_refuses_is_a_500_not_a_retry_later(
    pg_url: str,
    settings_for,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A value Postgres refuses fails the same way on every retry: no 503, no Retry-After."""
    app: Flask = create_app(settings_for(pg_url))
    app.testing = False

    def refused_by_postgres() -> None:
        with app.extensions["mailhook"].engine.connect() as connection:
            connection.execute(text("SELECT CAST('not a number' AS integer)"))

    app.view_functions["api.event_stats"] = refused_by_postgres
    response = Api(app.test_client()).get("/stats")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "server_error"
    assert "Retry-After" not in response.headers
    assert "database error DataError in api.event_stats" in caplog.text
