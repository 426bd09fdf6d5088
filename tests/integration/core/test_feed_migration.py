"""The feed positions migration on an install that already holds events: they come first, in id order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, text

from app.core import migrate
from app.core.db import make_engine
from app.core.models.events import Event
from tests.conftest import PG_ADMIN_URL, create_database, drop_database
from tests.integration.conftest import event_row

BEFORE = "0007_dashboard_sessions"


@pytest.fixture(params=["postgres", "sqlite"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path, worker_id_suffix: str) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'feed.sqlite3'}"
        return
    name = f"mailhook_feedmig_{worker_id_suffix}"
    yield create_database(PG_ADMIN_URL, name)
    drop_database(PG_ADMIN_URL, name)


def test_existing_events_are_backfilled_first_in_id_order(empty_url: str) -> None:
    migrate.upgrade(empty_url, BEFORE)
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            for _ in range(3):
                connection.execute(insert(Event.__table__).values(event_row()))
        migrate.upgrade(empty_url)
        with engine.begin() as connection:
            # The greatest old id deleted first: on SQLite a new row must still not take it again.
            greatest = connection.scalar(select(Event.id).order_by(Event.id.desc()).limit(1))
            connection.execute(delete(Event).where(Event.id == greatest))
            connection.execute(insert(Event).values(event_row()))
        with engine.connect() as connection:
            positions = select(Event.feed_xact, Event.id).order_by(Event.feed_xact, Event.id)
            rows = connection.execute(positions).all()
            if engine.dialect.name == "postgresql":
                default = connection.scalar(
                    text("SELECT column_default FROM information_schema.columns "
                         "WHERE table_name = 'events' AND column_name = 'feed_xact'")
                )  # fmt: skip
                assert "pg_current_xact_id()" in str(default)
    finally:
        engine.dispose()
    backfilled, [new] = rows[:2], rows[2:]
    assert [xact for xact, _ in backfilled] == [0, 0]
    assert [row_id for _, row_id in backfilled] == [1, 2]
    assert new[1] == 4  # never 3, the id of the row deleted
    assert (new[0] > 0) is (empty_url.startswith("postgresql"))
