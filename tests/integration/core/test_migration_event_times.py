"""0012: stored events' times are cut to the millisecond, and the rows that then share a key become one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from app.core import migrate
from app.core.db import make_engine
from app.core.models.events import Event
from app.core.models.sync import Suppression
from tests.conftest import PG_ADMIN_URL, create_database, drop_database
from tests.integration.conftest import event_row

BEFORE = "0007_dashboard_sessions"
SECOND = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(params=["postgres", "sqlite"])
def old_url(request: pytest.FixtureRequest, tmp_path: Path, worker_id_suffix: str) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        url = create_database(PG_ADMIN_URL, f"mailhook_mig10_{worker_id_suffix}")
    migrate.upgrade(url, BEFORE)
    yield url
    if request.param == "postgres":
        drop_database(PG_ADMIN_URL, f"mailhook_mig10_{worker_id_suffix}")


def test_times_are_cut_and_one_event_told_twice_is_one_row(old_url: str) -> None:
    engine = make_engine(old_url)
    rows = [  # (id, microsecond, event): the webhook's time, the Logs API's, another event, another id
        ("ev-1", 908181, "delivered"), ("ev-1", 908000, "delivered"), ("ev-1", 908181, "opened"),
        ("ev-2", 1999, "delivered"), ("ev-3", 500000, "delivered"),
    ]  # fmt: skip
    with engine.begin() as connection:
        ids = [
            connection.execute(insert(Event).values(event_row(
                mailgun_event_id=name, event=event, occurred_at=SECOND.replace(microsecond=micros)
            )).returning(Event.id)).scalar_one()
            for name, micros, event in rows
        ]  # fmt: skip
        connection.execute(insert(Suppression).values(region="us", domain="mg.example.com", kind="bounce",
                           address="a@example.org", state="observed", source_event_id=ids[1]))  # fmt: skip
    engine.dispose()

    migrate.upgrade(old_url)

    engine = make_engine(old_url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                select(Event.id, Event.mailgun_event_id, Event.event, Event.occurred_at).order_by(Event.id)
            ).all()
            pointed = connection.scalar(select(Suppression.source_event_id))
    finally:
        engine.dispose()
    assert [(row.id, row.mailgun_event_id, row.event, row.occurred_at.microsecond) for row in found] == [
        (ids[0], "ev-1", "delivered", 908000),
        (ids[2], "ev-1", "opened", 908000),
        (ids[3], "ev-2", "delivered", 1000),
        (ids[4], "ev-3", "delivered", 500000),
    ]
    assert pointed == ids[0]
