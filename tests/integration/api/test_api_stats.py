"""GET /api/v1/stats: counts per type per UTC hour or day, every bucket listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from tests.integration.conftest import Api, add_event

DAY = datetime(2025, 3, 1, tzinfo=UTC)


def seed(engine: Engine) -> None:
    rows = [
        (0, 0, "delivered", "example.com"),
        (0, 59, "delivered", "example.com"),
        (0, 30, "opened", "example.com"),
        (2, 15, "delivered", "example.com"),
        (2, 15, "bounced", "example.eu"),
        (23, 59, "delivered", "example.com"),
    ]
    for hour, minute, kind, domain in rows:
        add_event(
            engine,
            occurred_at=DAY + timedelta(hours=hour, minutes=minute),
            type=kind,
            domain=domain,
            region="eu" if domain.endswith(".eu") else "us",
        )
    add_event(engine, occurred_at=DAY - timedelta(seconds=1))  # the day before
    add_event(engine, occurred_at=DAY + timedelta(days=1))  # the first instant after `until`


def test_hour_buckets_counted_per_type(api: Api, engine: Engine) -> None:
    seed(engine)
    stats = api.get("/stats", interval="hour", since="2025-03-01T00:00:00Z", until="2025-03-02T00:00:00Z")
    document = stats.get_json()
    assert (document["interval"], document["since"], document["until"]) == (
        "hour",
        "2025-03-01T00:00:00Z",
        "2025-03-02T00:00:00Z",
    )
    buckets = {bucket["start"]: bucket for bucket in document["buckets"]}
    assert len(document["buckets"]) == 24
    assert buckets["2025-03-01T00:00:00Z"]["counts"] == {"delivered": 2, "opened": 1}
    assert buckets["2025-03-01T00:00:00Z"]["total"] == 3
    assert buckets["2025-03-01T01:00:00Z"] == {"start": "2025-03-01T01:00:00Z", "total": 0, "counts": {}}
    assert buckets["2025-03-01T02:00:00Z"]["counts"] == {"bounced": 1, "delivered": 1}
    assert buckets["2025-03-01T23:00:00Z"]["counts"] == {"delivered": 1}
    assert sum(bucket["total"] for bucket in document["buckets"]) == 6


def test_day_buckets_and_filters(api: Api, engine: Engine) -> None:
    seed(engine)
    everything = api.get("/stats", interval="day", since="2025-02-28T00:00:00Z", until="2025-03-03T00:00:00Z")
    assert [(b["start"], b["total"]) for b in everything.get_json()["buckets"]] == [
        ("2025-02-28T00:00:00Z", 1),
        ("2025-03-01T00:00:00Z", 6),
        ("2025-03-02T00:00:00Z", 1),
    ]
    eu = api.get(
        "/stats", interval="day", since="2025-03-01T00:00:00Z", until="2025-03-02T00:00:00Z", region="eu"
    ).get_json()
    assert eu["buckets"] == [{"start": "2025-03-01T00:00:00Z", "total": 1, "counts": {"bounced": 1}}]
    domain = api.get(
        "/stats", interval="day", since="1740787200", until="1740873600", domain="EXAMPLE.COM"
    ).get_json()
    assert domain["buckets"][0]["counts"] == {"delivered": 4, "opened": 1}


def test_since_is_rounded_down_to_its_bucket(api: Api, engine: Engine) -> None:
    seed(engine)
    document = api.get(
        "/stats", interval="hour", since="Sat, 01 Mar 2025 00:45:00 +0000", until="2025-03-01T01:00:00Z"
    ).get_json()
    assert document["since"] == "2025-03-01T00:00:00Z"
    assert document["buckets"] == [
        {"start": "2025-03-01T00:00:00Z", "total": 3, "counts": {"delivered": 2, "opened": 1}}
    ]


def test_default_range_ends_now(api: Api, engine: Engine) -> None:
    now = datetime.now(UTC)
    add_event(engine, occurred_at=now - timedelta(minutes=5))
    add_event(engine, occurred_at=now - timedelta(days=2))
    hourly = api.get("/stats", interval="hour").get_json()
    assert len(hourly["buckets"]) in (24, 25)
    assert sum(bucket["total"] for bucket in hourly["buckets"]) == 1
    daily = api.get("/stats").get_json()
    assert daily["interval"] == "day"
    assert len(daily["buckets"]) in (30, 31)
    assert sum(bucket["total"] for bucket in daily["buckets"]) == 2


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"interval": "hour", "since": "2025-01-01T00:00:00Z", "until": "2025-02-02T00:00:00Z"}, "since"),
        ({"interval": "day", "since": "2024-01-01T00:00:00Z", "until": "2025-01-02T00:00:00Z"}, "since"),
        ({"interval": "week"}, "interval"),
        ({"since": "2025-03-02T00:00:00Z", "until": "2025-03-01T00:00:00Z"}, "since"),
        ({"until": "tomorrow"}, "until"),
    ],
)
def test_bad_ranges_are_400(api: Api, query: dict[str, str], named: str) -> None:
    response = api.get("/stats", **query)
    assert response.status_code == 400
    assert f"'{named}'" in response.get_json()["error"]["message"]


def test_a_leap_year_of_days_is_allowed(api: Api) -> None:
    response = api.get("/stats", since="2024-01-01T00:00:00Z", until="2025-01-01T00:00:00Z")
    assert response.status_code == 200
    assert len(response.get_json()["buckets"]) == 366
