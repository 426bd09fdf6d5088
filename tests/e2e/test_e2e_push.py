"""Push subscriptions through the whole service: webhooks POSTed into gunicorn, drained by the Celery worker,
pushed by the worker's push tasks (handed out by its beat) to a local receiver that answers 503 to its first
requests. The receiver gets every event once (deduplicated by webhook-id, as a subscriber does), in feed
order, each batch's signature valid by the specification's own verification steps; a subscriber that
answers only after the push timeout holds up nobody else; the secret is in no process's output.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from bench.receiver import Receiver, failing_first, receiving
from tests.conftest import payload, sign
from tests.e2e.conftest import API_TOKEN, Service, web_and_worker
from tests.unit.push.test_webhook_signing import verify_as_the_specification_says

pytestmark = pytest.mark.e2e
EVENTS = 240
FAILURES = 3
HEADERS = {"Authorization": f"Bearer {API_TOKEN}"}


def webhook(n: int) -> tuple[str, bytes]:
    document = payload("failed-permanent.webhook-json.anymail.json")
    document["event-data"]["id"] = event_id = uuid.uuid4().hex
    document["event-data"]["recipient"] = f"user{n}@example.org"
    document["event-data"]["timestamp"] = time.time() - (n % 5) * 3600  # out of time order on purpose
    document["signature"] = sign()
    return event_id, json.dumps(document).encode()


@pytest.fixture
def pushing(service_env: dict[str, str], tmp_path: Path, db_url_cleanup: None) -> Iterator[Service]:
    env = {
        **service_env,
        "MAILHOOK_PUSH_INTERVAL_SECONDS": "1",
        "MAILHOOK_PUSH_BACKOFF_SECONDS": "1",
        "MAILHOOK_PUSH_TIMEOUT_SECONDS": "2",
    }
    with web_and_worker(env, tmp_path) as running:
        yield running


def feed_order(client: httpx.Client) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        params = {"limit": 1000, **({"after": cursor} if cursor else {})}
        page = client.get("/api/v1/feed", params=params).raise_for_status().json()
        ids += [item["mailgun_event_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not page["items"]:
            return ids


def test_every_event_is_pushed_once_in_order_signed_through_503s(pushing: Service) -> None:
    with (
        receiving(Receiver(answer=failing_first(FAILURES))) as receiver,
        receiving(Receiver(delay=5.0)) as hanging,  # answers long after the 2 s push timeout
        httpx.Client(base_url=pushing.base_url, headers=HEADERS, timeout=30) as client,
    ):
        made = client.post("/api/v1/subscriptions", json={"url": receiver.url}).raise_for_status().json()
        dead = client.post("/api/v1/subscriptions", json={"url": hanging.url}).raise_for_status()
        sent = [webhook(n) for n in range(EVENTS)]
        with ThreadPoolExecutor(6) as pool:
            answers = list(
                pool.map(
                    lambda body: client.post(
                        "/webhooks/mailgun", content=body, headers={"Content-Type": "application/json"}
                    ),
                    [body for _, body in sent],
                )
            )
        assert [answer.status_code for answer in answers] == [200] * EVENTS
        deadline = time.monotonic() + 120
        while len(receiver.items()) < EVENTS and time.monotonic() < deadline:
            time.sleep(0.5)
        pushed = [item["mailgun_event_id"] for item in receiver.items()]
        assert len(pushed) == EVENTS, pushing.logs()[-3000:]
        order = feed_order(client)
        listed = {s["id"]: s for s in client.get("/api/v1/subscriptions").json()["items"]}
        time.sleep(1.5)  # another hand-out or two: nothing more may arrive
        assert len(receiver.items()) == EVENTS
    assert pushed == order, "not in feed order"
    assert sorted(pushed) == sorted(event_id for event_id, _ in sent)
    # The first requests got 503 and were retried: same batch, same webhook-id.
    first_id = receiver.requests[0].webhook_id
    assert [r.status for r in receiver.requests[: FAILURES + 1]] == [503] * FAILURES + [200]
    assert {r.webhook_id for r in receiver.requests[: FAILURES + 1]} == {first_id}
    assert all(verify_as_the_specification_says(made["secret"], r.headers, r.body) for r in receiver.requests)
    assert listed[made["id"]]["lag"]["items"] == 0 and listed[made["id"]]["status"] == "active"
    stuck = listed[dead.json()["id"]]
    assert stuck["attempts"] >= 1 and stuck["last_error"].startswith("timed out")
    assert stuck["lag"]["items"] == EVENTS
    logs = pushing.logs()
    assert "mailhook.push_subscription" in logs  # the worker did run the push tasks
    assert made["secret"] not in logs and made["secret"].removeprefix("whsec_") not in logs
