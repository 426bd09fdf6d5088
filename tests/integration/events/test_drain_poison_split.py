"""DATABASE_URL_EU: what goes wrong in one database's drain, of whatever kind, never stops the other's.

Two real Postgres databases. The primary one gets rows it refuses to store (a trigger), or a failure that
is no SQLAlchemy error at all (the COPY's own psycopg error), in the middle of a large batch.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from app.core.db import make_engine
from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from app.core.settings import Settings
from app.core.stores import stores
from tests.conftest import truncate_all
from tests.integration.events.test_drain import deliver, json_event
from tests.integration.events.test_drain_poison import MARK, refuse_marked, stop_refusing
from workers.events.drain import BATCH_SIZE, drain_every_store

pytestmark = pytest.mark.postgres


@pytest.fixture
def settings(pg_url: str, eu_url: str, pg_engine: Engine, settings_for: Any) -> Iterator[Settings]:
    yield replace(settings_for(pg_url), database_url_eu=eu_url, group_commit=False)
    stop_refusing(pg_engine)
    truncate_all(pg_engine)


@pytest.fixture
def engines(settings: Settings) -> Iterator[dict[str, Engine]]:
    made = {store.name: make_engine(store.url) for store in stores(settings)}
    yield made
    for engine in made.values():
        engine.dispose()


def fill(engines: dict[str, Engine], marked_at: int) -> None:
    """A large batch in the primary database with one marked row in it, and EU events in the EU one."""
    for n in range(BATCH_SIZE):
        event_id = f"{MARK}{uuid.uuid4().hex}" if n == marked_at else None
        deliver(engines["primary"], json_event(event_id), region="us")
    for _ in range(20):
        deliver(engines["eu"], eu_event(), region="eu")


def eu_event() -> bytes:
    document = json.loads(json_event())
    document["event-data"]["domain"] = {"name": "example.eu"}  # configured as an EU domain
    return json.dumps(document).encode()


def counts(engine: Engine) -> tuple[int, dict[str, int]]:
    with engine.connect() as connection:
        events = int(connection.scalar(select(func.count()).select_from(Event)) or 0)
        by_status = dict(
            connection.execute(select(InboxRow.status, func.count()).group_by(InboxRow.status)).all()
        )
    return events, by_status


def test_poison_in_the_primary_database_does_not_stop_the_eu_drain(
    settings: Settings, engines: dict[str, Engine]
) -> None:
    refuse_marked(engines["primary"], "check_violation")
    fill(engines, marked_at=BATCH_SIZE // 2)

    drain_every_store(settings)

    assert counts(engines["primary"]) == (BATCH_SIZE - 1, {"done": BATCH_SIZE - 1, "dead": 1})
    assert counts(engines["eu"]) == (20, {"done": 20})


def test_a_failure_of_any_kind_in_one_database_does_not_stop_the_other(
    settings: Settings, engines: dict[str, Engine], caplog: pytest.LogCaptureFixture
) -> None:
    # A statement cancelled mid-COPY: psycopg's own error, no SQLAlchemy one, and not the row's fault.
    refuse_marked(engines["primary"], "query_canceled")
    fill(engines, marked_at=BATCH_SIZE // 2)

    drain_every_store(settings)

    assert counts(engines["eu"]) == (20, {"done": 20})
    events, by_status = counts(engines["primary"])
    assert (events, by_status) == (0, {"pending": BATCH_SIZE})  # waits for its next attempt
    assert "drain skipped the primary database" in caplog.text
