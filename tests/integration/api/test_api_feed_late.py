"""Late events enter the feed at its end when they are stored, whatever their time: a Mailgun retry of an
old event, an event the Events API poller recovers, a replayed dead letter. A reader that had caught up
reads each of them once, after everything it had read."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.conftest import sign
from tests.integration.conftest import Api, add_inbox_row, event_row
from tests.integration.sync_support import World, event, intake_app
from workers.events.store import store_events

DAYS = 86400


def read_on(api: Api, cursor: str | None, expected: int) -> tuple[list[dict[str, Any]], str]:
    items: list[dict[str, Any]] = []
    while True:
        query = {"wait": "10" if len(items) < expected else "0", **({"after": cursor} if cursor else {})}
        response = api.get("/feed", **query)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not body["items"]:
            return items, cursor


def test_late_events_come_after_what_the_reader_has_read(world: World) -> None:
    api = Api(intake_app(world.settings).test_client())
    world.deliver(event("delivered", "now@example.org", "example.com", timestamp=time.time()))
    [current], cursor = read_on(api, None, 1)

    world.deliver(event("delivered", "retried@example.org", "example.com", timestamp=time.time() - 3 * DAYS))
    polled = event_row(source="events_api", mailgun_event_id="polled-late", recipient="polled@example.org")
    with world.engine.begin() as connection:
        store_events(connection, [polled], likely_new=False)
    replayed = event("delivered", "replayed@example.org", "example.com", timestamp=time.time() - 20 * DAYS)
    body = json.dumps({"signature": sign(), "event-data": replayed}).encode()
    letter = add_inbox_row(world.engine, body=body)
    assert api.post(f"/dead-letters/{letter}/replay").status_code == 200
    world.drain()

    late, _ = read_on(api, cursor, 3)
    assert [item["recipient"] for item in late] == [
        "retried@example.org",
        "polled@example.org",
        "replayed@example.org",
    ]
    assert [item["source"] for item in late] == ["webhook", "events_api", "webhook"]
    assert current["id"] not in {item["id"] for item in late}
