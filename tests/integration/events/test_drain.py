"""drain_inbox on real Postgres and SQLite: events stored once, bad rows dead-lettered, concurrency safe."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, func, select

from app.core.db import make_engine
from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from app.core.signing import SignedParts
from app.intake.delivery import Delivery
from app.intake.inbox import store_delivery
from tests.conftest import payload, sign
from workers.events.drain import BATCH_SIZE, drain_batch, drain_until_empty


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def deliver(
    engine: Engine, body: bytes, kind: str = "webhook", content_type: str = "application/json", **hints: Any
) -> str:
    signature = sign()
    delivery = Delivery(
        route="webhooks",
        kind=kind,
        content_type=content_type,
        body=body,
        headers={},
        signed=SignedParts(**signature),
        region_hint=hints.get("region"),
        domain_hint=hints.get("domain"),
        request_id=None,
    )
    assert store_delivery(engine, delivery)
    return signature["token"]


def json_event(
    event_id: str | None = None, sample: str = "delivered.webhook-json.anymail-real-sanitized.json"
) -> bytes:
    document = payload(sample)
    document["event-data"]["id"] = event_id or uuid.uuid4().hex
    return json.dumps(document).encode()


def scalar(engine: Engine, query: Any) -> Any:
    with engine.connect() as connection:
        return connection.scalar(query)


def statuses(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(select(InboxRow.status, func.count()).group_by(InboxRow.status)).all()
    return {status: count for status, count in rows}


def test_rows_become_events_and_are_marked_done(engine: Engine, settings_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        deliver(engine, json_event())
    result = drain_batch(engine, settings_for(db_url))
    assert (result.claimed, result.events, result.dead) == (3, 3, 0)
    assert statuses(engine) == {"done": 3}
    assert scalar(engine, select(func.count()).select_from(Event)) == 3


def test_same_event_delivered_twice_is_stored_once(engine: Engine, settings_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
    body = json_event("same-id")
    deliver(engine, body)
    deliver(engine, body)  # Mailgun's retry: another token, same event
    drain_batch(engine, settings_for(db_url))
    assert statuses(engine) == {"done": 2}
    assert scalar(engine, select(func.count()).select_from(Event)) == 1


def test_running_twice_stores_nothing_more(engine: Engine, settings_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
    deliver(engine, json_event())
    settings = settings_for(db_url)
    drain_batch(engine, settings)
    again = drain_batch(engine, settings)
    assert again.claimed == 0
    assert scalar(engine, select(func.count()).select_from(Event)) == 1


def test_bad_row_is_dead_lettered_without_blocking_the_batch(
    engine: Engine, settings_for, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    deliver(engine, json_event())
    bad = deliver(engine, json.dumps({"signature": {}, "event-data": "not an object"}).encode())
    deliver(engine, json_event())
    result = drain_batch(engine, settings_for(db_url))
    assert (result.events, result.dead) == (2, 1)
    with engine.connect() as connection:
        row = connection.execute(select(InboxRow.status, InboxRow.error).where(InboxRow.token == bad)).one()
    assert row.status == "dead"
    assert row.error.startswith("cannot normalize")


def test_inbound_mail_on_the_webhook_url_is_dead_lettered_with_the_fix(
    engine: Engine, settings_for, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    fields = payload("inbound-forward-parsed.route-form.anymail.json")["fields"]
    body = urlencode([(k, v if isinstance(v, str) else json.dumps(v)) for k, v in fields.items()]).encode()
    token = deliver(engine, body, kind="legacy_webhook", content_type="application/x-www-form-urlencoded")
    drain_batch(engine, settings_for(db_url))
    with engine.connect() as connection:
        error = connection.scalar(select(InboxRow.error).where(InboxRow.token == token))
    assert "/inbound/mailgun" in error


def test_legacy_form_rows_are_normalized(engine: Engine, settings_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
    fields = payload("delivered.legacy-form.anymail.json")["fields"]
    pairs = [(k, v) for k, vs in fields.items() for v in (vs if isinstance(vs, list) else [vs])]
    deliver(
        engine,
        urlencode(pairs).encode(),
        kind="legacy_webhook",
        content_type="application/x-www-form-urlencoded",
    )
    drain_batch(engine, settings_for(db_url))
    with engine.connect() as connection:
        event = connection.execute(select(Event.type, Event.source)).one()
    assert tuple(event) == ("delivered", "legacy_webhook")


def test_drain_until_empty_takes_several_batches(engine: Engine, settings_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(BATCH_SIZE + 7):
        deliver(engine, json_event())
    claimed, more = drain_until_empty(engine, settings_for(db_url))
    assert (claimed, more) == (BATCH_SIZE + 7, False)
    assert scalar(engine, select(func.count()).select_from(Event)) == BATCH_SIZE + 7


def test_two_drains_at_once_never_store_twice(engine: Engine, settings_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
    ids = [uuid.uuid4().hex for _ in range(300)]
    for event_id in ids:
        deliver(engine, json_event(event_id))
        deliver(engine, json_event(event_id))  # each event twice, under two tokens
    settings, claimed, errors = settings_for(db_url), [], []

    def run() -> None:
        own = make_engine(db_url)
        try:
            while (batch := drain_batch(own, settings, limit=50)).claimed:
                claimed.append(batch.claimed)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(claimed) == 600
    assert statuses(engine) == {"done": 600}
    assert scalar(engine, select(func.count()).select_from(Event)) == 300
    assert scalar(engine, select(func.count(func.distinct(Event.mailgun_event_id)))) == 300
