"""The online path of the migration to a partitioned `events` (a table above its in-place size), with events
stored and purged throughout: every stored one is there afterwards, every purged one gone."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from app.core import migrate
from app.core.db import make_engine
from tests.conftest import throwaway_database
from tests.integration.conftest import event_row
from workers.events.store import store_events

pytestmark = pytest.mark.postgres

ROWS = 60_000  # above the migration's SMALL_TABLE (50,000): copied in batches under the mirroring trigger
CUTOFF = datetime.now(UTC) - timedelta(days=30)
LOAD = """
INSERT INTO events (mailgun_event_id, occurred_at, event, type, region, tags, user_variables, source, payload)
SELECT 'load-' || g, date_trunc('milliseconds', now() - g * interval '1 minute'), 'delivered', 'delivered',
       'us', '[]', '{}', 'webhook', '{}'
FROM generate_series(1, :rows) AS g
"""


@pytest.fixture
def loaded() -> Iterator[Engine]:
    with throwaway_database(f"mailhook_online_{uuid.uuid4().hex[:8]}", migrated=False) as url:
        migrate.upgrade(url, "0011_event_time_milliseconds")
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text(LOAD), {"rows": ROWS})  # 60,000 minutes: about 41 days back
        yield engine
        engine.dispose()


class Loop(threading.Thread):
    def __init__(self, step) -> None:  # type: ignore[no-untyped-def]
        super().__init__(daemon=True)
        self.step, self.ids, self.stopped, self.error = step, set[int](), threading.Event(), None

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                self.ids |= self.step()
        except Exception as exc:  # seen by the test, not lost in the thread
            self.error = exc


def test_events_stored_and_purged_during_the_copy_are_kept_and_gone(loaded: Engine) -> None:
    def store() -> set[int]:
        rows = [
            event_row(mailgun_event_id=uuid.uuid4().hex, occurred_at=datetime.now(UTC)) for _ in range(50)
        ]
        with loaded.begin() as connection:
            return {stored.id for stored in store_events(connection, rows)}

    def purge() -> set[int]:
        with loaded.begin() as connection:
            return set(
                connection.scalars(
                    text(
                        "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE occurred_at < :cutoff "
                        "LIMIT 300) AND occurred_at < :cutoff RETURNING id"
                    ),
                    {"cutoff": CUTOFF},
                )
            )

    storing, purging = Loop(store), Loop(purge)
    storing.start()
    purging.start()
    migrate.upgrade(loaded.url.render_as_string(hide_password=False))
    storing.stopped.set()
    purging.stopped.set()
    storing.join()
    purging.join()

    assert storing.error is None and purging.error is None
    with loaded.connect() as connection:
        assert connection.scalar(text("SELECT relkind FROM pg_class WHERE oid = 'events'::regclass")) == "p"
        ids = set(connection.scalars(text("SELECT id FROM events")))
        loaded_kept = connection.scalar(
            text("SELECT count(*) FROM events WHERE mailgun_event_id LIKE 'load-%'")
        )
    assert storing.ids <= ids  # nothing stored meanwhile is lost
    assert purging.ids.isdisjoint(ids)  # nothing purged meanwhile comes back
    assert len(storing.ids) > 0 and len(purging.ids) > 0
    assert loaded_kept + len(purging.ids) == ROWS
