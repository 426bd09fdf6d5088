"""Real gunicorn (production config) and a real Celery worker on Postgres and Redis, driven over HTTP."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from app.cli.sign import signed_body
from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from tests.conftest import TEST_KEY, payload, sign
from tests.e2e.conftest import Service

pytestmark = pytest.mark.e2e


def unique_json_delivery(sample: str = "delivered.webhook-json.anymail-real-sanitized.json") -> bytes:
    document = payload(sample)
    document["event-data"]["id"] = uuid.uuid4().hex
    document["signature"] = sign()
    return json.dumps(document).encode()


def wait_for(condition, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def count(engine, query) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def test_signed_posts_are_stored_then_drained_by_the_worker(service: Service, pg_engine) -> None:  # type: ignore[no-untyped-def]
    bodies = [unique_json_delivery() for _ in range(40)]
    with httpx.Client(base_url=service.base_url, timeout=10) as client, ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda body: client.post(
                    "/webhooks/mailgun", content=body, headers={"Content-Type": "application/json"}
                ),
                bodies,
            )
        )
    assert [a.status_code for a in answers] == [200] * 40
    assert count(pg_engine, select(func.count()).select_from(InboxRow)) == 40
    drained = wait_for(
        lambda: (
            count(pg_engine, select(func.count()).select_from(InboxRow).where(InboxRow.status == "pending"))
            == 0
        )
    )
    assert drained, service.logs()[-3000:]
    assert count(pg_engine, select(func.count()).select_from(Event)) == 40


def test_legacy_form_and_replay_over_http(service: Service, pg_engine) -> None:  # type: ignore[no-untyped-def]
    body, content_type = signed_body(payload("delivered.legacy-form.anymail.json"), TEST_KEY)
    headers = {"Content-Type": content_type}
    with httpx.Client(base_url=service.base_url, timeout=10) as client:
        assert client.post("/webhooks/mailgun", content=body, headers=headers).status_code == 200
        replay = client.post(
            "/webhooks/mailgun",
            content=unique_json_delivery().replace(b'"token"', b'"ignored"'),
            headers={"Content-Type": "application/json"},
        )
        assert replay.status_code == 401
        again = client.post("/webhooks/mailgun", content=body, headers=headers)
        assert again.status_code == 200
        assert again.json()["message"] == "already stored"
    assert count(pg_engine, select(func.count()).select_from(InboxRow)) == 1


def test_readyz_and_healthz_answer(service: Service) -> None:
    assert httpx.get(service.base_url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(service.base_url + "/readyz").json()
    assert ready["checks"] == {"database": True, "broker": True}


def test_metrics_sum_over_every_web_process(service: Service) -> None:
    """Two gunicorn workers answer; one scrape (whichever worker serves it) counts all requests."""
    with httpx.Client(base_url=service.base_url, timeout=10) as client, ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda body: client.post(
                    "/webhooks/mailgun", content=body, headers={"Content-Type": "application/json"}
                ),
                [unique_json_delivery() for _ in range(30)],
            )
        )
        assert {a.status_code for a in answers} == {200}
        scrapes = [client.get("/metrics").text for _ in range(4)]
    pids = {line for line in service.logs().splitlines() if "Booting worker with pid" in line}
    assert len(pids) >= 2
    for text in scrapes:
        line = next(
            line
            for line in text.splitlines()
            if line.startswith('mailhook_http_requests_total{route="/webhooks/mailgun",status="200"}')
        )
        assert float(line.rsplit(" ", 1)[1]) == 30
