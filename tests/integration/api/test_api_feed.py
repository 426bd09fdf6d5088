"""GET /api/v1/feed on Postgres and SQLite: one order, each event once, cursors, filters, long-poll.

The concurrency proofs (open transactions, many writers) are Postgres-only and live in test_feed_concurrency.
On Postgres the feed serves a committed event once no transaction older than it is open on the server, and
other tests' databases share that server: reads that expect events long-poll for them (`wait`).
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete

from app.api.pagination import encode_cursor
from app.core.models.events import Event
from tests.integration.conftest import BASE_TIME, Api, add_event

DAY = timedelta(days=1)


def page(api: Api, **query: Any) -> dict[str, Any]:
    response = api.get("/feed", **query)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    assert isinstance(body["next_cursor"], str) and body["next_cursor"]
    return body


def read_all(api: Api, expected: int, after: str | None = None, **query: Any) -> tuple[list[int], str]:
    """The ids the feed serves from `after` on, following next_cursor until `expected` came, then once more
    to see that nothing else does."""
    seen: list[int] = []
    while True:
        wait = "10" if len(seen) < expected else "0"
        body = page(api, **query, wait=wait, **({"after": after} if after else {}))
        seen += [item["id"] for item in body["items"]]
        after = body["next_cursor"]
        if not body["items"]:
            return seen, after


def test_every_event_once_in_the_order_stored_whatever_its_time(api: Api, engine: Engine) -> None:
    # Stored out of occurred_at order, as Mailgun's retries and the Events API poller bring them.
    stored = [add_event(engine, occurred_at=BASE_TIME + offset * DAY) for offset in (0, -3, 2, -10, 1)]
    assert read_all(api, len(stored), limit="2")[0] == stored


def test_items_are_event_items_plus_an_opaque_position(api: Api, engine: Engine) -> None:
    add_event(engine, tags=["welcome"], user_variables={"plan": "pro"})
    [listed] = api.get("/events").get_json()["items"]
    [item] = page(api, wait="10")["items"]
    position = item.pop("feed_position")
    assert item == listed
    assert isinstance(position, str) and position


def test_next_cursor_is_there_on_an_empty_feed_and_continues_exactly_after(api: Api, engine: Engine) -> None:
    empty = page(api)
    assert empty["items"] == []
    first = add_event(engine)
    after_empty = page(api, after=empty["next_cursor"], wait="10")
    assert [item["id"] for item in after_empty["items"]] == [first]
    assert page(api, after=after_empty["next_cursor"])["items"] == []
    late = add_event(engine, occurred_at=BASE_TIME - 30 * DAY)  # a late event comes at the end
    assert read_all(api, 1, after_empty["next_cursor"])[0] == [late]


def test_a_full_page_ends_at_its_last_item_and_a_position_resumes_after_its_item(
    api: Api, engine: Engine
) -> None:
    stored = [add_event(engine) for _ in range(5)]
    read_all(api, len(stored))
    body = page(api, limit="3")
    assert [item["id"] for item in body["items"]] == stored[:3]
    assert body["next_cursor"] == body["items"][-1]["feed_position"]
    assert read_all(api, 4, body["items"][0]["feed_position"])[0] == stored[1:]


@pytest.mark.parametrize(
    ("query", "matching", "other"),
    [
        ({"type": "BOUNCED"}, {"type": "bounced", "event": "failed"}, {"type": "delivered"}),
        ({"domain": "Example.NET"}, {"domain": "example.net"}, {"domain": "example.com"}),
        ({"region": "eu"}, {"region": "eu"}, {"region": "us"}),
    ],
)
def test_filters_serve_only_matching_events_and_move_past_the_rest(
    api: Api, engine: Engine, query: dict[str, str], matching: dict[str, str], other: dict[str, str]
) -> None:
    wanted = [add_event(engine, **matching)]
    for _ in range(3):
        add_event(engine, **other)
    read_all(api, 4)  # every event readable now, so the filtered read below is not cut short
    seen, cursor = read_all(api, 1, **query)
    assert seen == wanted
    # Past the other events already: the next read starts after them, not at the last match.
    later = add_event(engine, **matching)
    body = page(api, after=cursor, **query, limit="1", wait="10")
    assert [item["id"] for item in body["items"]] == [later]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"after": "not-a-cursor"}, "after"),
        ({"after": encode_cursor("events", [0, 1])}, "after"),  # another listing's cursor
        ({"after": encode_cursor("feed:eu", [0, 1])}, "after"),  # another database's
        ({"after": encode_cursor("feed:primary", [0, 2**63])}, "after"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"wait": "31"}, "wait"),
        ({"wait": "-1"}, "wait"),
        ({"wait": "9" * 5000}, "wait"),
        ({"type": "nope"}, "type"),
        ({"cursor": "x"}, "cursor"),
    ],
)
def test_bad_parameters_are_400_naming_them(api: Api, query: dict[str, str], parameter: str) -> None:
    response = api.get("/feed", **query)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith(f"parameter {parameter!r}")


def test_limit_goes_up_to_1000(api: Api, engine: Engine) -> None:
    assert page(api, limit="1000")["items"] == []


def test_a_long_poll_answers_as_soon_as_an_event_is_stored(api: Api, engine: Engine) -> None:
    cursor = page(api)["next_cursor"]
    stored: list[int] = []

    def store_later() -> None:
        time.sleep(0.5)
        stored.append(add_event(engine))

    writer = threading.Thread(target=store_later)
    started = time.monotonic()
    writer.start()
    body = page(api, after=cursor, wait="20")
    elapsed = time.monotonic() - started
    writer.join()
    assert [item["id"] for item in body["items"]] == stored
    assert 0.5 <= elapsed < 5  # long before the 20 s, even with other tests' transactions on the server


def test_a_long_poll_with_nothing_new_answers_empty_when_the_time_is_up(api: Api) -> None:
    started = time.monotonic()
    body = page(api, wait="1")
    assert body["items"] == []
    assert 1 <= time.monotonic() - started < 2


def test_an_id_is_never_handed_out_again_once_its_row_is_gone(api: Api, engine: Engine) -> None:
    """SQLite reuses the greatest rowid after its row is deleted unless the table says AUTOINCREMENT; there
    the id is the position, so the new event would sit at a position the reader has passed."""
    add_event(engine)
    greatest = add_event(engine)
    _, cursor = read_all(api, 2)
    with engine.begin() as connection:
        connection.execute(delete(Event).where(Event.id == greatest))
    new = add_event(engine)
    assert read_all(api, 1, cursor)[0] == [new]
