"""The same delivery many times at once, and again later with another body: one inbox row, one event.

Mailgun retries with the same signature (so the same token); a replay or an overlapping source may carry the
same event under a fresh signature. The inbox's unique token absorbs the first kind, the events' unique key
the second.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from tests.conftest import sign
from tests.e2e.conftest import Service
from tests.e2e.test_e2e_intake import unique_json_delivery
from tests.faults.mailgun_like import JSON, pending, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("faults"), pytest.mark.timeout(120)]


def stored(engine: Engine, event_id: str) -> tuple[int, list[Any]]:
    with engine.connect() as connection:
        inbox = int(connection.scalar(select(func.count()).select_from(InboxRow)) or 0)
        payloads = list(
            connection.scalars(select(Event.payload).where(Event.mailgun_event_id == event_id)).all()
        )
    return inbox, payloads


def test_one_payload_posted_20_times_at_once_then_replayed_is_stored_once(
    running_service: Service, fault_engine: Engine
) -> None:
    body = unique_json_delivery()
    document = json.loads(body)
    event_id = document["event-data"]["id"]
    with (
        httpx.Client(base_url=running_service.base_url, timeout=15) as client,
        ThreadPoolExecutor(20) as pool,
    ):
        answers = list(
            pool.map(lambda _: client.post("/webhooks/mailgun", content=body, headers=JSON), range(20))
        )
        assert [a.status_code for a in answers] == [200] * 20
        # Exactly one request stored it; the other 19 found it already stored.
        messages = sorted(a.json()["message"] for a in answers)
        assert messages == ["already stored"] * 19 + ["stored"]
        assert wait_for(lambda: pending(fault_engine) == 0 and stored(fault_engine, event_id)[1] != [], 30)

        # Later: the same signature with another body (a changed field), then the same event re-signed.
        altered = {**document, "event-data": {**document["event-data"], "reason": "replayed"}}
        replay = client.post("/webhooks/mailgun", content=json.dumps(altered), headers=JSON)
        assert (replay.status_code, replay.json()["message"]) == (200, "already stored")
        resigned = {**document, "signature": sign()}
        again = client.post("/webhooks/mailgun", content=json.dumps(resigned), headers=JSON)
        assert (again.status_code, again.json()["message"]) == (200, "stored")
    assert wait_for(lambda: pending(fault_engine) == 0, 30)
    inbox, payloads = stored(fault_engine, event_id)
    assert inbox == 2  # the original token and the re-signed one; the altered body was never kept
    assert len(payloads) == 1
    assert payloads[0] == document["event-data"]  # the first body's event, not the altered one
