"""DATABASE_URL_EU with real processes: `mailhook db upgrade` migrates both databases, gunicorn and the
Celery worker keep every EU delivery and event in the EU database, and the API answers each region from its
own database."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from app.core.db import sqlalchemy_url
from tests.conftest import REPO, payload, sign, throwaway_database
from tests.e2e.conftest import API_TOKEN, Service, web_and_worker

pytestmark = pytest.mark.e2e
MAILHOOK = str(Path(sys.executable).with_name("mailhook"))


@pytest.fixture
def eu_url() -> Iterator[str]:
    """Empty: `mailhook db upgrade` below migrates it."""
    with throwaway_database(f"mailhook_e2e_eu_{uuid.uuid4().hex[:8]}", migrated=False) as url:
        yield url


@pytest.fixture
def split_service(
    service_env: dict[str, str], eu_url: str, tmp_path: Path, db_url_cleanup: None
) -> Iterator[Service]:
    env = {**service_env, "DATABASE_URL_EU": eu_url}
    upgrade = subprocess.run(
        [MAILHOOK, "db", "upgrade"], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    assert upgrade.returncode == 0, upgrade.stderr
    assert "database eu at" in upgrade.stdout  # both databases named, the EU one brought to head
    with web_and_worker(env, tmp_path) as running:
        yield running


def post(client: httpx.Client, domain: str, query: str = "") -> str:
    document = payload("delivered.webhook-json.anymail-real-sanitized.json")
    event_id = uuid.uuid4().hex
    document["event-data"].update(id=event_id, domain={"name": domain})
    document["signature"] = sign()
    answer = client.post(
        f"/webhooks/mailgun{query}",
        content=json.dumps(document),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    return event_id


def event_ids(client: httpx.Client, region: str) -> set[str]:
    page = client.get("/api/v1/events", params={"region": region, "limit": 100}).raise_for_status().json()
    return {item["mailgun_event_id"] for item in page["items"]}


def stored(engine: Engine) -> tuple[set[str], int]:
    with engine.connect() as connection:
        events = {row[0] for row in connection.execute(text("SELECT mailgun_event_id FROM events"))}
        inbox = int(connection.execute(text("SELECT count(*) FROM inbox")).scalar_one())
    return events, inbox


def test_eu_data_is_stored_and_served_from_the_eu_database_only(split_service: Service, eu_url: str) -> None:
    with httpx.Client(
        base_url=split_service.base_url, timeout=10, headers={"Authorization": f"Bearer {API_TOKEN}"}
    ) as client:
        eu = {post(client, "example.eu", "?region=eu"), post(client, "example.eu")}  # hinted, and not
        us = {post(client, "example.com", "?region=us"), post(client, "example.com")}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (event_ids(client, "eu"), event_ids(client, "us")) != (eu, us):
            time.sleep(0.3)
        assert (event_ids(client, "eu"), event_ids(client, "us")) == (eu, us)
        assert client.get("/api/v1/events").status_code == 400  # which database? the region says

    primary = create_engine(sqlalchemy_url(split_service.env["DATABASE_URL"]))
    eu_engine = create_engine(sqlalchemy_url(eu_url))
    try:
        assert stored(eu_engine) == (eu, 2)
        assert stored(primary) == (us, 2)  # the unhinted EU delivery was moved out, not copied
    finally:
        primary.dispose()
        eu_engine.dispose()
