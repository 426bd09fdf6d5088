"""GET /api/v1/events, /events/{id}, /messages/{id}/events on Postgres and SQLite."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.integration.conftest import BASE_TIME, Api, add_event

MINUTE = timedelta(minutes=1)


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def walk(api: Api, path: str, **query: Any) -> list[int]:
    """Every id a listing yields, following next_cursor to the end."""
    seen, cursor = [], None
    while True:
        page = api.get(path, **query, **({"cursor": cursor} if cursor else {})).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


def test_items_carry_every_normalized_field_but_not_the_payload(api: Api, engine: Engine) -> None:
    event_id = add_event(
        engine,
        occurred_at=BASE_TIME.replace(microsecond=123456),
        tags=["welcome"],
        user_variables={"plan": "pro"},
        severity="permanent",
        reason="bounce",
    )
    [item] = api.get("/events").get_json()["items"]
    assert item["id"] == event_id
    assert item["occurred_at"] == "2025-03-01T12:00:00.123456Z"
    assert item["received_at"] == "2025-03-01T12:00:00.123456Z"
    assert (item["tags"], item["user_variables"]) == (["welcome"], {"plan": "pro"})
    assert (item["severity"], item["reason"], item["delivery_status"]) == (
        "permanent",
        "bounce",
        {"code": 250, "message": "OK"},
    )
    assert "payload" not in item
    assert {
        "mailgun_event_id",
        "event",
        "type",
        "region",
        "domain",
        "recipient",
        "message_id",
        "url",
        "ip",
        "client_info",
        "geolocation",
        "mailing_list",
        "storage_url",
        "source",
    } <= set(item)


def test_newest_first_with_ties_broken_by_id(api: Api, engine: Engine) -> None:
    older = add_event(engine, occurred_at=BASE_TIME - MINUTE)
    tie_a = add_event(engine, occurred_at=BASE_TIME)
    tie_b = add_event(engine, occurred_at=BASE_TIME)
    newest = add_event(engine, occurred_at=BASE_TIME + MINUTE)
    assert ids(api.get("/events")) == [newest, tie_b, tie_a, older]


@pytest.mark.parametrize(
    ("query", "matching", "other"),
    [
        ({"recipient": "Bob@Example.ORG"}, {"recipient": "bob@example.org"}, {"recipient": "al@example.org"}),
        ({"domain": "Example.EU"}, {"domain": "example.eu"}, {"domain": "example.com"}),
        ({"region": "EU"}, {"region": "eu"}, {"region": "us"}),
        ({"type": "bounced"}, {"type": "bounced", "event": "failed"}, {"type": "deferred", "event": "x"}),
        ({"event": "Failed"}, {"event": "failed", "type": "deferred"}, {"event": "delivered"}),
        ({"message_id": "abc@mail.example"}, {"message_id": "abc@mail.example"}, {"message_id": "abd@mail"}),
        ({"message_id": "<abc@mail.example>"}, {"message_id": "abc@mail.example"}, {"message_id": "x@y"}),
        ({"tag": "newsletter"}, {"tags": ["welcome", "newsletter"]}, {"tags": ["newsletters", "news"]}),
        ({"tag": 'a"b'}, {"tags": ['a"b']}, {"tags": ["ab", "a"]}),
    ],
    ids=[
        "recipient",
        "domain",
        "region",
        "type",
        "event",
        "message_id",
        "message_id-brackets",
        "tag",
        "tag-quote",
    ],
)
def test_each_filter(
    api: Api, engine: Engine, query: dict[str, str], matching: dict[str, Any], other: dict[str, Any]
) -> None:
    wanted = add_event(engine, **matching)
    add_event(engine, **other)
    add_event(engine, **{**other, "tags": [], "message_id": None})
    assert ids(api.get("/events", **query)) == [wanted]


def test_filters_combine(api: Api, engine: Engine) -> None:
    wanted = add_event(engine, recipient="bob@example.org", type="opened", event="opened")
    add_event(engine, recipient="bob@example.org", type="clicked", event="clicked")
    add_event(engine, recipient="carol@example.org", type="opened", event="opened")
    assert ids(api.get("/events", recipient="bob@example.org", type="opened")) == [wanted]


@pytest.mark.parametrize(
    ("since", "until"),
    [
        ("2025-03-01T12:00:00Z", "2025-03-01T12:02:00Z"),
        ("2025-03-01T13:00:00+01:00", "2025-03-01T08:02:00-04:00"),
        ("Sat, 01 Mar 2025 12:00:00 +0000", "Sat, 01 Mar 2025 12:02:00 GMT"),
        ("1740830400", "1740830520"),
    ],
    ids=["rfc3339-z", "rfc3339-offsets", "rfc2822", "epoch"],
)
def test_since_is_inclusive_until_exclusive_in_every_format(
    api: Api, engine: Engine, since: str, until: str
) -> None:
    add_event(engine, occurred_at=BASE_TIME - MINUTE)
    at_since = add_event(engine, occurred_at=BASE_TIME)
    inside = add_event(engine, occurred_at=BASE_TIME + MINUTE)
    add_event(engine, occurred_at=BASE_TIME + 2 * MINUTE)
    assert ids(api.get("/events", since=since, until=until)) == [inside, at_since]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"since": "last tuesday"}, "since"),
        ({"until": "2025-03-01T12:00:00"}, "until"),
        ({"since": "2025-03-02T00:00:00Z", "until": "2025-03-01T00:00:00Z"}, "since"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"region": "ap"}, "region"),
        ({"type": "sent"}, "type"),
        ({"cursor": "bm9wZQ"}, "cursor"),
        ({"recipeint": "bob@example.org"}, "recipeint"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(api: Api, query: dict[str, str], named: str) -> None:
    response = api.get("/events", **query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_parameter"
    assert f"'{named}'" in error["message"]


def test_limit_bounds_and_default(api: Api, engine: Engine) -> None:
    for minute in range(51):
        add_event(engine, occurred_at=BASE_TIME + minute * MINUTE)
    default = api.get("/events").get_json()
    assert len(default["items"]) == 50 and default["next_cursor"] is not None
    assert len(api.get("/events", limit="500").get_json()["items"]) == 51
    one = api.get("/events", limit="1").get_json()
    assert len(one["items"]) == 1 and one["next_cursor"] is not None


def test_pages_neither_repeat_nor_skip_while_events_arrive(api: Api, engine: Engine) -> None:
    # Ties on occurred_at across page boundaries are the hard case for a keyset.
    original = [add_event(engine, occurred_at=BASE_TIME + (n // 2) * MINUTE) for n in range(9)]
    expected = sorted(original, key=lambda i: (original.index(i) // 2, i), reverse=True)
    first = api.get("/events", limit="4").get_json()
    seen = [item["id"] for item in first["items"]]
    add_event(engine, occurred_at=BASE_TIME + 10 * MINUTE)  # newer than everything: belongs before page 1
    cursor = first["next_cursor"]
    while cursor:
        page = api.get("/events", limit="4", cursor=cursor).get_json()
        seen += [item["id"] for item in page["items"]]
        add_event(engine, occurred_at=BASE_TIME + 20 * MINUTE)
        cursor = page["next_cursor"]
    assert seen == expected


def test_a_late_arriving_older_event_is_still_reached(api: Api, engine: Engine) -> None:
    newer = [add_event(engine, occurred_at=BASE_TIME + n * MINUTE) for n in range(4)]
    first = api.get("/events", limit="2").get_json()
    late = add_event(engine, occurred_at=BASE_TIME - MINUTE)
    rest = walk_from(api, first["next_cursor"])
    assert [item["id"] for item in first["items"]] + rest == [*reversed(newer), late]


def walk_from(api: Api, cursor: str | None) -> list[int]:
    seen: list[int] = []
    while cursor:
        page = api.get("/events", limit="2", cursor=cursor).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    return seen


def test_a_cursor_keeps_working_with_the_same_filters(api: Api, engine: Engine) -> None:
    bob = "bob@example.org"
    wanted = [add_event(engine, recipient=bob, occurred_at=BASE_TIME + n * MINUTE) for n in range(5)]
    for n in range(5):
        add_event(engine, occurred_at=BASE_TIME + n * MINUTE)
    assert walk(api, "/events", recipient="bob@example.org", limit="2") == list(reversed(wanted))


def test_one_event_with_its_payload(api: Api, engine: Engine) -> None:
    event_id = add_event(engine, payload={"event": "delivered", "id": "abc", "nested": {"x": [1, 2]}})
    item = api.get(f"/events/{event_id}").get_json()
    assert item["id"] == event_id
    assert item["payload"] == {"event": "delivered", "id": "abc", "nested": {"x": [1, 2]}}
    assert item["type"] == "delivered"


@pytest.mark.parametrize("path", ["/events/999999", "/events/abc", f"/events/{2**64}"])
def test_absent_events_are_404(api: Api, engine: Engine, path: str) -> None:
    add_event(engine)
    response = api.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_message_timeline_oldest_first_brackets_optional(api: Api, engine: Engine) -> None:
    mid = "20250301120000.1@mail.example.com"
    accepted = add_event(engine, message_id=mid, type="queued", event="accepted", occurred_at=BASE_TIME)
    opened = add_event(
        engine, message_id=mid, type="opened", event="opened", occurred_at=BASE_TIME + 2 * MINUTE
    )
    delivered = add_event(engine, message_id=mid, occurred_at=BASE_TIME + MINUTE)
    add_event(engine, message_id="other@mail.example.com")
    assert ids(api.get(f"/messages/{mid}/events")) == [accepted, delivered, opened]
    assert ids(api.get(f"/messages/%3C{mid}%3E/events")) == [accepted, delivered, opened]
    assert ids(api.get(f"/messages/{mid}/events", since="2025-03-01T12:01:00Z")) == [delivered, opened]


def test_message_timeline_pages(api: Api, engine: Engine) -> None:
    mid = "paged@mail.example.com"
    timeline = [add_event(engine, message_id=mid, occurred_at=BASE_TIME + n // 2 * MINUTE) for n in range(5)]
    assert walk(api, f"/messages/{mid}/events", limit="2") == timeline
    assert ids(api.get("/messages/nobody@nowhere/events")) == []


def test_a_cursor_from_one_listing_is_refused_by_another(api: Api, engine: Engine) -> None:
    mid = "x@mail.example.com"
    for n in range(3):
        add_event(engine, message_id=mid, occurred_at=BASE_TIME + n * MINUTE)
    timeline_cursor = api.get(f"/messages/{mid}/events", limit="1").get_json()["next_cursor"]
    events_cursor = api.get("/events", limit="1").get_json()["next_cursor"]
    assert api.get("/events", cursor=timeline_cursor).status_code == 400
    assert api.get(f"/messages/{mid}/events", cursor=events_cursor).status_code == 400
