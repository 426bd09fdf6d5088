"""Shared by the reconciliation and CLI tests: fake Mailgun per region, settings pointing at them, event items
copied from the sample corpus with fresh ids and times, webhooks delivered through the real intake path."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select

from app.core.models.events import Event
from app.core.models.inbound import InboundAttachmentRow, InboundMessageRow
from app.core.models.polling import PollCursor
from app.core.settings import PollSettings, Settings, SyncSettings
from app.core.signing import SignedParts
from app.intake.delivery import Delivery
from app.intake.inbox import store_delivery
from tests.conftest import TEST_KEY, payload, sign
from tests.fakemailgun import FakeMailgun
from tests.integration.conftest import add_event, add_inbox_row
from workers.events.drain import drain_batch

KEY = "key-reconcile-0123456789abcdef"
US, US2, EU = "mg.example.com", "news.example.com", "mg.example.eu"
SAMPLES = ("delivered", "opened", "clicked", "failed-temporary", "accepted", "complained")
LAG = timedelta(seconds=PollSettings().trust_lag_seconds)


@dataclass
class Fakes:
    us: FakeMailgun
    eu: FakeMailgun

    def check(self) -> None:
        self.us.assert_all_requests_valid()
        self.eu.assert_all_requests_valid()


@contextmanager
def running_fakes() -> Iterator[Fakes]:
    """A US host holding two domains and an EU host holding one; every request they saw must be valid."""
    with FakeMailgun("us", KEY, [US, US2]) as us, FakeMailgun("eu", KEY, [EU]) as eu:
        fakes = Fakes(us, eu)
        yield fakes
    fakes.check()


def settings_for_fakes(db_url: str, fakes: Fakes, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "signing_keys": (TEST_KEY,),
        "env": "test",
        "api_key": KEY,
        "broker_dir": str(tmp_path / "broker"),
        "domain_regions": {US: "us", US2: "us", EU: "eu"},
        "api_bases": {"us": fakes.us.url, "eu": fakes.eu.url},
        # Fast retries: the fake answers at once, the waits are not what is tested here.
        "sync": SyncSettings(api_timeout=5.0, api_retries=2, api_backoff=0.01, api_max_wait=2.0),
    }
    values.update(overrides)
    return Settings(**values)


def cli_env(settings: Settings, **extra: str) -> dict[str, str | None]:
    """The environment a `mailhook` command gets: only what the settings say (others' variables unset)."""
    cleared: dict[str, str | None] = {
        k: None for k in os.environ if k.startswith(("MAILGUN_", "MAILHOOK_", "DATABASE_URL", "REDIS_URL"))
    }
    domains = ",".join(f"{d}:{r}" for d, r in settings.domain_regions.items())
    return {
        **cleared,
        "DATABASE_URL": settings.database_url,
        "MAILGUN_API_KEY": settings.api_key or "",
        "MAILGUN_DOMAINS": domains,
        "MAILGUN_API_BASE_US": settings.api_bases["us"],
        "MAILGUN_API_BASE_EU": settings.api_bases["eu"],
        "MAILGUN_WEBHOOK_SIGNING_KEYS": TEST_KEY,
        "MAILGUN_API_RETRIES": "1",
        "MAILGUN_API_BACKOFF_SECONDS": "0.01",
        "MAILHOOK_BROKER_DIR": settings.broker_dir,
        "MAILHOOK_ENV": "test",
        **extra,
    }


def event_item(at: datetime, sample: str = "delivered", event_id: str | None = None) -> dict[str, Any]:
    """A copy of a documented Events API item with a new id and time."""
    item = payload(f"{sample}.event-data.mailgun-docs-api-events.json")
    item["id"] = event_id or uuid.uuid4().hex[:22]
    item["timestamp"] = round(at.timestamp(), 6)
    return item


def items_from(start: datetime, count: int, step: timedelta = timedelta(minutes=1)) -> list[dict[str, Any]]:
    return [event_item(start + i * step, SAMPLES[i % len(SAMPLES)]) for i in range(count)]


def deliver_webhook(engine: Engine, settings: Settings, item: dict[str, Any], domain: str = US) -> int:
    """POSTed by Mailgun, stored by intake, drained: the webhook path for one event; events inserted."""
    signature = sign()
    body = json.dumps({"signature": signature, "event-data": item}).encode()
    region = settings.domain_regions[domain]
    delivery = Delivery(route="webhooks", kind="webhook", content_type="application/json", body=body,
                        headers={}, signed=SignedParts(**signature), region_hint=region,
                        domain_hint=domain, request_id=None)  # fmt: skip
    assert store_delivery(engine, delivery)
    return drain_batch(engine, settings).events


def stored(engine: Engine) -> dict[str, tuple[str, str]]:
    """Mailgun event id -> (source, region) of every stored event."""
    with engine.connect() as connection:
        rows = connection.execute(select(Event.mailgun_event_id, Event.source, Event.region)).all()
    return {row.mailgun_event_id: (row.source, row.region) for row in rows}


def cursor(engine: Engine, domain: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(select(PollCursor).where(PollCursor.domain == domain)).first()


def event_queries(fake: FakeMailgun, domain: str) -> list[dict[str, Any]]:
    """The query of every first-page Events API request for `domain` (paging links carry a token instead)."""
    return [call.query for call in fake.calls_to("GET", f"/v3/{domain}/events") if call.query]


def log_queries(fake: FakeMailgun, domain: str) -> list[dict[str, Any]]:
    """The body of every Logs API request whose domain filter names `domain`, in order."""
    bodies = [call.json for call in fake.calls_to("POST", "/v1/analytics/logs")]
    return [body for body in bodies if domain in json.dumps(body.get("filter"))]


def now() -> datetime:
    return datetime.now(UTC)


def add_inbound(engine: Engine, days_old: float, attachment: bool = False) -> int:
    """An inbound message `days_old` days old with the columns that may not be null."""
    empty = ("to_addresses", "cc_addresses", "reference_ids", "headers", "stored_attachments")
    row: dict[str, Any] = {"received_at": now() - timedelta(days=days_old), **{name: [] for name in empty}}
    with engine.begin() as connection:
        inserted = connection.execute(insert(InboundMessageRow).values(row).returning(InboundMessageRow.id))
        message_id = int(inserted.scalar_one())
        if attachment:
            connection.execute(insert(InboundAttachmentRow).values(
                inbound_message_id=message_id, n=1, content_type="text/plain", size=1, inline=False,
                sha256="0" * 64, content=b"x"))  # fmt: skip
    return message_id


def count(engine: Engine, model: Any) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(model)) or 0)


def seed_old_and_new(engine: Engine) -> None:
    """Per table: rows 40 days old (expired at 30), rows 1 day old (kept); one old pending inbox row."""
    for days in (40, 40, 1):
        add_event(engine, occurred_at=now() - timedelta(days=days))
    add_inbox_row(engine, received_at=now() - timedelta(days=40), status="done")
    add_inbox_row(engine, received_at=now() - timedelta(days=40), status="dead")
    add_inbox_row(engine, received_at=now() - timedelta(days=40), status="pending")  # work not done: kept
    add_inbox_row(engine, received_at=now() - timedelta(days=1), status="done")
    add_inbound(engine, 40, attachment=True)
    add_inbound(engine, 1)
