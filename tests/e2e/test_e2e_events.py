"""The corpus through the whole service: signed POSTs into gunicorn, the worker, the API, exactly once."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.conftest import PAYLOADS, payload, sign
from tests.e2e.conftest import API_TOKEN, Service
from workers.events.normalize import normalize_webhook_json

pytestmark = pytest.mark.e2e
SAMPLES = sorted(p.name for p in PAYLOADS.glob("*.webhook-json.*.json"))
DOMAINS = {"example.com": "us", "example.eu": "eu", "samples.mailgun.org": "us"}


def re_signed(sample: str) -> bytes:
    document = payload(sample)
    document["signature"] = sign()
    return json.dumps(document).encode()


def all_events(client: httpx.Client) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/events", params=params).raise_for_status().json()
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items


def wait_for_events(client: httpx.Client, count: int, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = all_events(client)
        if len(items) >= count:
            return items
        time.sleep(0.3)
    return all_events(client)


def test_every_corpus_webhook_posted_twice_appears_exactly_once(service: Service) -> None:
    bodies = [re_signed(sample) for sample in SAMPLES for _ in range(2)]  # Mailgun's retry: a new token
    headers = {"Content-Type": "application/json"}
    with httpx.Client(
        base_url=service.base_url, timeout=10, headers={"Authorization": f"Bearer {API_TOKEN}"}
    ) as client:
        with ThreadPoolExecutor(6) as pool:
            answers = list(
                pool.map(lambda b: client.post("/webhooks/mailgun", content=b, headers=headers), bodies)
            )
        assert [a.status_code for a in answers] == [200] * len(bodies)
        expected = {
            (e.mailgun_event_id, e.event): e
            for e in (normalize_webhook_json(payload(s), domain_regions=DOMAINS) for s in SAMPLES)
        }
        items = wait_for_events(client, len(expected))
    keys = [(item["mailgun_event_id"], item["event"]) for item in items]
    assert sorted(keys) == sorted(expected), service.logs()[-2000:]
    for item in items:
        want = expected[(item["mailgun_event_id"], item["event"])]
        assert (item["type"], item["recipient"], item["message_id"], item["region"]) == (
            want.type,
            want.recipient,
            want.message_id,
            want.region,
        )


def test_unique_events_are_queryable_within_seconds(service: Service) -> None:
    import uuid

    sent = []
    with httpx.Client(
        base_url=service.base_url, timeout=10, headers={"Authorization": f"Bearer {API_TOKEN}"}
    ) as client:
        started = time.monotonic()
        for n in range(50):
            document = payload("failed-permanent.webhook-json.anymail.json")
            document["event-data"]["id"] = event_id = uuid.uuid4().hex
            document["event-data"]["recipient"] = f"user{n}@example.org"
            document["signature"] = sign()
            response = client.post(
                "/webhooks/mailgun",
                content=json.dumps(document),
                headers={"Content-Type": "application/json"},
            )
            assert response.status_code == 200
            sent.append(event_id)
        items = wait_for_events(client, 50, timeout=15)
        elapsed = time.monotonic() - started
    assert sorted(item["mailgun_event_id"] for item in items) == sorted(sent)
    assert {item["type"] for item in items} == {"bounced"}
    assert elapsed < 15
