"""A small world for the sync tests: a fake Mailgun per region, the web app for signed webhooks, the drain
and the push run directly (no Celery worker), and readers for the outbox and the local views.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import Engine, insert, select

from app.core.db import insert_ignoring_conflicts, make_engine
from app.core.models.sync import ListMember, Suppression, SyncAction
from app.core.settings import Settings, SyncSettings
from app.web.factory import create_app
from tests.conftest import sign
from tests.fakemailgun import Call, FakeMailgun
from workers.events.drain import drain_until_empty
from workers.mailgun.client import MailgunClient
from workers.sync.list_mirror import Refreshed, refresh_region_lists
from workers.sync.policy import Rules
from workers.sync.push import PushResult, push_region

KEY = "key-sync-integration-secret"
US_DOMAINS = ("mg.example.com", "news.example.com", "shop.example.com")
EU_DOMAINS = ("mg.example.eu", "news.example.eu")
# Small waits, so recovery tests take a fraction of a second per retry; the timeout stays generous, so a
# loaded test machine does not turn a slow answer into a retry (the hang test lowers it).
FAST = SyncSettings(
    api_timeout=3.0, api_retries=2, api_backoff=0.01, api_max_wait=0.5, retry_seconds=0.2, max_attempts=3
)
_clock = itertools.count(1_700_000_000)


class NoWaker:
    def poke(self, _task: str | None = None) -> None:
        pass


@contextmanager
def fakes() -> Iterator[tuple[FakeMailgun, FakeMailgun]]:
    with FakeMailgun("us", KEY, US_DOMAINS) as us, FakeMailgun("eu", KEY, EU_DOMAINS) as eu:
        yield us, eu
    assert us.invalid_requests == [], us.invalid_requests
    assert eu.invalid_requests == [], eu.invalid_requests


_apps: dict[str, Flask] = {}


def intake_app(settings: Settings) -> Flask:
    """One web app per database: intake reads only the database and the signing keys, and each app on
    Postgres holds its own connection pool for the process's lifetime."""
    app = _apps.get(settings.database_url)
    if app is None:
        app = _apps[settings.database_url] = create_app(settings)
        app.extensions["mailhook"].waker = NoWaker()
    return app


class World:
    def __init__(self, settings: Settings, us: FakeMailgun, eu: FakeMailgun) -> None:
        self.settings, self.us, self.eu = settings, us, eu
        self.web = intake_app(settings).test_client()
        self.engine: Engine = make_engine(settings.database_url)

    def close(self) -> None:
        self.engine.dispose()

    # -- webhooks in -----------------------------------------------------------------------------

    def post(self, event_data: dict[str, Any]) -> None:
        body = json.dumps({"signature": sign(), "event-data": event_data})
        response = self.web.post("/webhooks/mailgun", data=body, content_type="application/json")
        assert response.status_code == 200, response.get_data(as_text=True)

    def deliver(self, event_data: dict[str, Any]) -> None:
        self.post(event_data)
        self.drain()

    def drain(self) -> None:
        drain_until_empty(self.engine, self.settings)

    # -- Mailgun out -----------------------------------------------------------------------------

    def push(self, region: str) -> PushResult:
        with MailgunClient.for_region(self.settings, region) as client:
            return push_region(self.engine, self.settings, region, client)

    def refresh(self, region: str) -> Refreshed:
        rules = Rules.from_settings(self.settings.sync)
        with MailgunClient.for_region(self.settings, region) as client:
            return refresh_region_lists(self.engine, region, client, rules)

    def push_until_settled(self, region: str, timeout: float = 10.0) -> None:
        """Push until no row of the region is pending, waiting out retry times and pauses."""
        deadline = time.monotonic() + timeout
        while self.actions(status="pending", region=region):
            assert time.monotonic() < deadline, "outbox did not settle"
            self.push(region)
            time.sleep(0.05)

    # -- readers ---------------------------------------------------------------------------------

    def actions(self, **where: Any) -> list[Any]:
        table = SyncAction.__table__
        query = select(table).order_by(table.c.id)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        with self.engine.connect() as connection:
            return list(connection.execute(query).all())

    def suppressions(self) -> set[tuple[str, str, str, str, str]]:
        table = Suppression.__table__
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(table.c.region, table.c.domain, table.c.address, table.c.kind, table.c.state)
            ).all()
        return {tuple(row) for row in rows}

    def mirror(self) -> set[tuple[str, str, str, bool]]:
        table = ListMember.__table__
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(table.c.region, table.c.list_address, table.c.address, table.c.subscribed)
            ).all()
        return {tuple(row) for row in rows}


def world_settings(
    settings_for: Any, db_url: str, us: FakeMailgun, eu: FakeMailgun, **overrides: Any
) -> Settings:
    regions = {**dict.fromkeys(US_DOMAINS, "us"), **dict.fromkeys(EU_DOMAINS, "eu")}
    values: dict[str, Any] = {
        "api_key": KEY,
        "api_bases": {"us": us.url, "eu": eu.url},
        "domain_regions": regions,
        "sync": FAST,
    }
    return settings_for(db_url, **{**values, **overrides})


def event(kind: str, recipient: str, domain: str, **extra: Any) -> dict[str, Any]:
    """A webhook `event-data` object as Mailgun sends it; `kind` is `bounce`, `complaint` or an event name."""
    data: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "timestamp": next(_clock) + 0.25,
        "recipient": recipient,
        "domain": {"name": domain},
        "tags": [],
        "message": {"headers": {"message-id": f"{uuid.uuid4().hex}@{domain}"}},
    }
    if kind == "bounce":
        data |= {"event": "failed", "severity": "permanent", "reason": "bounce"}
        data["delivery-status"] = {"code": 550, "message": "5.1.1 mailbox does not exist", "attempt-no": 1}
    elif kind == "temporary":
        data |= {"event": "failed", "severity": "temporary", "reason": "generic"}
        data["delivery-status"] = {"code": 421, "message": "try later"}
    else:
        data["event"] = {"complaint": "complained"}.get(kind, kind)
    return data | extra


def sent(calls: list[Call], method: str, path: str) -> list[list[str]]:
    """The addresses of each successful call to `path`, in order."""
    out = []
    for call in calls:
        if call.method == method and call.path == path and 200 <= call.status < 300:
            out.append(
                [item["address"] for item in call.json] if isinstance(call.json, list) else [call.path]
            )
    return out


def writes(fake: FakeMailgun) -> list[Call]:
    return [call for call in fake.calls if call.method != "GET"]


def add_sync_rows(engine: Engine, address: str, status: str = "failed", **action: Any) -> int:
    """One outbox row (its id returned), the suppression it copies and a list membership, for API tests."""
    now = datetime.now(UTC)
    row = {
        "idempotency_key": uuid.uuid4().hex,
        "region": "us",
        "kind": "bounce",
        "domain": "news.example.com",
        "list_address": None,
        "address": address,
        "payload": {"code": "550", "error": "gone"},
        "status": status,
        "attempts": 3,
        "next_attempt_at": now,
        "last_error": "400: Bad Request",
        "event_id": None,
        "created_at": now,
        "updated_at": now,
        **action,
    }
    suppression = {
        "region": row["region"],
        "domain": row["domain"] or "",
        "address": address,
        "kind": row["kind"],
        "state": "failed",
        "created_at": now,
        "updated_at": now,
    }
    member = {
        "region": "us",
        "list_address": "team@example.com",
        "address": address,
        "subscribed": False,
        "refreshed_at": now,
    }
    with engine.begin() as connection:
        action_id = connection.execute(insert(SyncAction).values(row).returning(SyncAction.id)).scalar_one()
        connection.execute(insert(Suppression).values(suppression))
        connection.execute(insert_ignoring_conflicts(ListMember.__table__, connection), [member])
    return int(action_id)
