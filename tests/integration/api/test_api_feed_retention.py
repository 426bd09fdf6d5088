"""Retention and the feed, on Postgres and SQLite: deleted events take their positions with them, and a
cursor that still had one of them to read is refused with a 410, never moved silently past it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from tests.integration.conftest import BASE_TIME, Api, add_event
from workers.ops.retention import purge, raise_feed_horizon

OLD = BASE_TIME - timedelta(days=400)


def read(api: Api, **query: Any) -> Any:
    return api.get("/feed", wait="0", **query)


def cursor_after(api: Api, count: int) -> str:
    """The position of the feed's `count`-th item."""
    items = api.feed(count, limit=str(count))["items"]
    assert len(items) == count
    return str(items[-1]["feed_position"])


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_a_cursor_before_deleted_events_is_410_and_one_past_them_reads_on(api: Api, engine: Engine) -> None:
    old_1 = add_event(engine, occurred_at=OLD)
    new_1 = add_event(engine, occurred_at=datetime.now(UTC))
    old_2 = add_event(engine, occurred_at=OLD)  # stored late, retention takes it from the middle
    new_2 = add_event(engine, occurred_at=datetime.now(UTC))
    at_old_1, at_old_2, at_end = cursor_after(api, 1), cursor_after(api, 3), cursor_after(api, 4)

    [events_purged, *_] = purge(engine, datetime.now(UTC) - timedelta(days=30))
    assert (events_purged.table, events_purged.rows) == ("events", 2)

    refused = read(api, after=at_old_1)
    assert refused.status_code == 410
    error = refused.get_json()["error"]
    assert error["code"] == "cursor_expired"
    assert error["message"].startswith("parameter 'after' points before events that retention has since")
    assert ids(read(api, after=at_old_2)) == [new_2]
    assert ids(read(api, after=at_end)) == []
    # Without a cursor the feed starts at the oldest event kept.
    assert [item["id"] for item in api.feed(2)["items"]] == [new_1, new_2]
    assert {old_1, old_2}.isdisjoint([new_1, new_2])


def test_each_purge_raises_the_horizon_and_it_never_falls(api: Api, engine: Engine) -> None:
    add_event(engine, occurred_at=OLD)
    at_first = cursor_after(api, 1)
    list(purge(engine, datetime.now(UTC) - timedelta(days=30)))
    assert ids(read(api, after=at_first)) == []  # it had read the one event deleted
    add_event(engine, occurred_at=OLD)  # stored already past retention: deleted by the next purge, unread
    list(purge(engine, datetime.now(UTC) - timedelta(days=30)))
    assert read(api, after=at_first).status_code == 410
    with engine.begin() as connection:
        raise_feed_horizon(connection, (0, 0))
    assert read(api, after=at_first).status_code == 410
