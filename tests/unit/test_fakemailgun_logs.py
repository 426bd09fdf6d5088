"""The fake's Logs API (tests/fakemailgun/api_logs.py), through real HTTP; its answers are checked against the
spec (`validate_responses=True`), as every fake answer in test_fakemailgun.py is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import payload
from tests.fakemailgun import FakeMailgun

KEY = "key-test"
DOMAIN, OTHER = "mg.example.com", "news.example.com"
T0 = 1_700_000_000  # Tue, 14 Nov 2023 22:13:20 +0000
START, END = "Tue, 14 Nov 2023 22:00:00 +0000", "Tue, 14 Nov 2023 23:00:00 +0000"


@pytest.fixture
def fake() -> Iterator[FakeMailgun]:
    fake = FakeMailgun("us", KEY, [DOMAIN, OTHER], validate_responses=True).start()
    yield fake
    fake.stop()
    assert fake.response_problems == [], "\n".join(fake.response_problems)


def query(domain: str = DOMAIN, **pagination: Any) -> dict[str, Any]:
    return {"start": START, "end": END,
            "filter": {"AND": [{"attribute": "domain", "comparator": "=",
                                "values": [{"label": domain, "value": domain}]}]},
            "pagination": {"sort": "timestamp:asc", "limit": 100, **pagination}}  # fmt: skip


def post(fake: FakeMailgun, body: Any) -> httpx.Response:
    return httpx.post(f"{fake.url}/v1/analytics/logs", json=body, auth=("api", KEY), timeout=5)


def seed(fake: FakeMailgun, domain: str, count: int, first: float = T0) -> list[dict[str, Any]]:
    items = []
    for n in range(count):
        item = payload("delivered.event-data.mailgun-docs-api-events.json")
        item.update(id=f"{domain}-{n}", timestamp=first + n + 0.908181)
        items.append(item)
    fake.add_events(domain, items)
    return items


def test_items_come_in_the_logs_shape(fake: FakeMailgun) -> None:
    [seeded] = seed(fake, DOMAIN, 1)
    seeded["user-variables"] = {"order": "42"}
    fake.reset()
    fake.add_events(DOMAIN, [seeded])

    answer = post(fake, query())

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) >= {"start", "end", "items", "pagination"}
    [item] = body["items"]
    assert item["@timestamp"] == "2023-11-14T22:13:20.908Z" and "timestamp" not in item
    assert item["domain"] == {"name": DOMAIN}
    assert item["user-variables"] == '{"order": "42"}'
    assert "next" not in body["pagination"]
    fake.assert_all_requests_valid()


def test_pages_follow_the_next_token_with_the_same_query(fake: FakeMailgun) -> None:
    seed(fake, DOMAIN, 5)
    seed(fake, OTHER, 3)

    first = post(fake, query(limit=2)).json()
    second = post(fake, query(limit=2, token=first["pagination"]["next"])).json()
    third = post(fake, query(limit=2, token=second["pagination"]["next"])).json()

    assert [[i["id"] for i in page["items"]] for page in (first, second, third)] == [
        [f"{DOMAIN}-0", f"{DOMAIN}-1"], [f"{DOMAIN}-2", f"{DOMAIN}-3"], [f"{DOMAIN}-4"]]  # fmt: skip
    assert "next" not in third["pagination"]
    fake.assert_all_requests_valid()


def test_start_and_end_are_exclusive_and_duration_counts_back_from_end(fake: FakeMailgun) -> None:
    fake.add_events(DOMAIN, [{"id": "on-start", "event": "delivered", "timestamp": T0},
                             {"id": "inside", "event": "delivered", "timestamp": T0 + 1}])  # fmt: skip
    edge = {**query(), "start": "Tue, 14 Nov 2023 22:13:20 +0000", "end": "Tue, 14 Nov 2023 22:13:22 +0000"}
    assert [i["id"] for i in post(fake, edge).json()["items"]] == ["inside"]
    counted = {**edge, "duration": "1h"}
    assert [i["id"] for i in post(fake, counted).json()["items"]] == ["on-start", "inside"]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"pagination": {"sort": "timestamp:asc", "limit": 101}}, "limit"),
        ({"pagination": {"sort": "timestamp:asc", "limit": "100"}}, "limit"),
        ({"pagination": {"sort": "id:asc", "limit": 10}}, "sort"),
        ({"start": "2023-11-14T22:00:00Z"}, "RFC 2822"),
        ({"start": 1_700_000_000}, "start"),
        ({"filter": {"AND": [{"attribute": "domain", "values": [{"value": DOMAIN}]}]}}, "comparator"),
        ({"pagination": {"sort": "timestamp:asc", "limit": 10, "token": "%%%"}}, "token"),
    ],
)
def test_what_the_spec_or_the_api_refuses_is_an_invalid_400(
    fake: FakeMailgun, change: dict[str, Any], why: str
) -> None:
    answer = post(fake, {**query(), **change})
    assert answer.status_code == 400
    [call] = fake.invalid_requests
    assert why in (call.problem or "")
