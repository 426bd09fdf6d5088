"""The feed through the whole service: webhooks POSTed concurrently into gunicorn, drained by the Celery
worker's concurrent batches, read by a consumer long-polling GET /api/v1/feed over HTTP at the same time.
Every event reaches the consumer exactly once."""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.conftest import payload, sign
from tests.e2e.conftest import API_TOKEN, Service

pytestmark = pytest.mark.e2e
EVENTS = 300


def webhook(n: int) -> tuple[str, bytes]:
    document = payload("failed-permanent.webhook-json.anymail.json")
    document["event-data"]["id"] = event_id = uuid.uuid4().hex
    document["event-data"]["recipient"] = f"user{n}@example.org"
    # Out of time order on purpose: the feed's order is the order events are stored.
    document["event-data"]["timestamp"] = time.time() - (n % 7) * 3600
    document["signature"] = sign()
    return event_id, json.dumps(document).encode()


def test_a_consumer_tailing_the_feed_reads_every_event_once(service: Service) -> None:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    json_type = {"Content-Type": "application/json"}
    read: list[dict[str, Any]] = []
    posting_done = threading.Event()

    def consume() -> None:
        cursor, deadline = None, time.monotonic() + 90
        with httpx.Client(base_url=service.base_url, headers=headers, timeout=30) as client:
            while time.monotonic() < deadline:
                params = {"wait": 5, "limit": 37, **({"after": cursor} if cursor else {})}
                body = client.get("/api/v1/feed", params=params).raise_for_status().json()
                read.extend(body["items"])
                cursor = body["next_cursor"]
                if posting_done.is_set() and len(read) >= EVENTS and not body["items"]:
                    return

    consumer = threading.Thread(target=consume)
    consumer.start()
    sent = [webhook(n) for n in range(EVENTS)]
    with httpx.Client(base_url=service.base_url, timeout=10) as client, ThreadPoolExecutor(8) as pool:

        def post(body: bytes) -> httpx.Response:
            return client.post("/webhooks/mailgun", content=body, headers=json_type)

        answers = list(pool.map(post, [body for _, body in sent]))
    posting_done.set()
    assert [answer.status_code for answer in answers] == [200] * EVENTS
    consumer.join(120)
    ids = [item["mailgun_event_id"] for item in read]
    assert len(ids) == len(set(ids)), "an event was read twice"
    assert sorted(ids) == sorted(event_id for event_id, _ in sent), service.logs()[-2000:]
