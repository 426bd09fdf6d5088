"""The generated client (clients/python/) against real gunicorn and Celery processes: it lists the events a
webhook delivery became, and reads an error in Mailgun's shape."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import REPO, payload, sign
from tests.e2e.conftest import API_TOKEN, Service

pytestmark = pytest.mark.e2e


@pytest.fixture
def mailhook_client(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(REPO / "clients" / "python"))
    import mailhook_client

    return mailhook_client


def deliver(service: Service) -> str:
    document = payload("delivered.webhook-json.anymail-real-sanitized.json")
    document["event-data"]["id"] = uuid.uuid4().hex
    document["event-data"]["timestamp"] = time.time()
    document["signature"] = sign()
    answer = httpx.post(
        service.base_url + "/webhooks/mailgun",
        content=json.dumps(document),
        headers={"Content-Type": "application/json"},
    )
    answer.raise_for_status()
    return str(document["event-data"]["id"])


def test_the_generated_client_lists_events_from_a_running_service(
    service: Service, mailhook_client: Any
) -> None:
    from mailhook_client.api.default import get_event, list_events
    from mailhook_client.models import Error, EventPage, EventType

    mailgun_id = deliver(service)
    client = mailhook_client.AuthenticatedClient(base_url=service.base_url + "/api/v1", token=API_TOKEN)
    with client:
        page = None
        for _ in range(100):
            page = list_events.sync(client=client, limit=10)
            if isinstance(page, EventPage) and page.items:
                break
            time.sleep(0.2)
        assert isinstance(page, EventPage) and len(page.items) == 1, page
        (event,) = page.items
        assert event.mailgun_event_id == mailgun_id and event.type_ == EventType.DELIVERED
        assert event.occurred_at.tzinfo is not None

        missing = get_event.sync("0", client=client)
        assert isinstance(missing, Error)
        assert missing.message == missing.error.message and missing.error.code == "not_found"

    anonymous = mailhook_client.Client(base_url=service.base_url + "/api/v1")
    with anonymous:
        refused = list_events.sync_detailed(client=anonymous)
    assert refused.status_code == 401 and isinstance(refused.parsed, Error)
