"""Pages of `events` in time order over its partitions: the same rows as one plain ORDER BY, whatever the
partitions' bounds are taken to be, with the default partition kept out of the ordered read so that Postgres
reads the partitions one after another and stops at the one that completes the page.

Each test has a database of its own: these tests create partitions and put rows into the default one."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.dialects import postgresql

from app.api.events import keyset_query
from app.core.db import make_engine, region_read_engine
from app.core.event_order import time_ordered
from app.core.feed_read import ITEM_COLUMNS
from app.core.models.events import Event
from app.core.partition_periods import DAILY, Range, period_start
from app.core.partitions import covered_range, create_partitions
from app.core.settings import Settings
from app.web.factory import create_app
from tests.conftest import throwaway_database
from tests.integration.conftest import Api, add_event

pytestmark = pytest.mark.postgres

events = Event.__table__
TODAY = period_start(datetime.now(UTC), DAILY)
RECIPIENT = "order@example.org"


def day(offset: int) -> datetime:
    return TODAY + timedelta(days=offset)


@pytest.fixture
def engine() -> Iterator[Engine]:
    """Daily partitions from five days ago to tomorrow (today's and tomorrow's made by the migrations), a gap
    at ten days ago (its day in a partition of its own before the gap), and rows in the default partition
    from long ago and far ahead."""
    with throwaway_database(f"mailhook_order_{uuid.uuid4().hex[:8]}") as url:
        engine = make_engine(url)
        with engine.begin() as connection:
            for offset in (-10, -5, -4, -3, -2, -1):
                create_partitions(connection, Range(day(offset), day(offset + 1)), DAILY)
        yield engine
        engine.dispose()


def fill(engine: Engine) -> list[int]:
    """Rows on every partitioned day, on the day in the gap, and far outside: the default partition."""
    times = [day(offset) + timedelta(hours=hour) for offset in (-10, -7, -5, -3, -1, 0, 1) for hour in (2, 9)]
    times += [datetime(2001, 1, 1, tzinfo=UTC), datetime(2301, 1, 1, tzinfo=UTC), day(0) + timedelta(hours=9)]
    return [add_event(engine, recipient=RECIPIENT, message_id="m@x", occurred_at=at) for at in times]


def plain_order(engine: Engine, *, newest_first: bool) -> list[int]:
    at, row_id = events.c.occurred_at, events.c.id
    order = (at.desc(), row_id.desc()) if newest_first else (at, row_id)
    with engine.connect() as connection:
        query = select(events.c.id).where(events.c.recipient == RECIPIENT).order_by(*order)
        return list(connection.scalars(query))


def in_default_partition(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT count(*) FROM events_default")) or 0)


def test_covered_range_is_the_newest_stretch_without_a_gap(engine: Engine) -> None:
    with engine.connect() as connection:
        assert covered_range(connection) == Range(day(-5), day(2))


@pytest.mark.parametrize("newest_first", [True, False])
@pytest.mark.parametrize(
    "covered",
    [
        None,
        Range(day(-5), day(2)),  # what covered_range reads
        Range(day(-10), day(2)),  # across the gap: the default partition is read in the first half too
        Range(day(-3), day(0)),  # stale: a narrower stretch than the partitions cover
        Range(day(-400), day(400)),  # stale: wider than any partition
    ],
)
def test_every_page_walk_meets_the_rows_of_one_plain_order_by(
    engine: Engine, newest_first: bool, covered: Range | None
) -> None:
    fill(engine)
    assert in_default_partition(engine) == 2 + 2  # 2001, 2301, and the day in the gap
    walked: list[int] = []
    after: tuple[datetime, int] | None = None
    while True:
        query = keyset_query(
            [events.c.recipient == RECIPIENT], after, 4, newest_first=newest_first, covered=covered
        )
        with engine.connect() as connection:
            page = connection.execute(query).mappings().all()
        walked += [row["id"] for row in page]
        if len(page) < 4:
            break
        after = (page[-1]["occurred_at"], page[-1]["id"])
    assert walked == plain_order(engine, newest_first=newest_first)


def test_the_api_and_a_message_timeline_page_through_partitions_and_the_default_one(
    engine: Engine, settings_for: Callable[..., Settings]
) -> None:
    fill(engine)
    api = Api(create_app(settings_for(engine.url.render_as_string(hide_password=False))).test_client())

    def walk(path: str, **query: Any) -> list[int]:
        ids: list[int] = []
        cursor: str | None = None
        while True:
            body = api.get(path, limit="3", **query, **({"cursor": cursor} if cursor else {})).get_json()
            ids += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                return ids

    assert walk("/events", recipient=RECIPIENT) == plain_order(engine, newest_first=True)
    assert walk("/messages/<m@x>/events") == plain_order(engine, newest_first=False)


def plan(engine: Engine, newest_first: bool = True, covered: Range | None = None) -> str:
    """EXPLAIN ANALYZE of one page of the recipient's events, as the API asks for it."""
    query = time_ordered(
        ITEM_COLUMNS, [events.c.recipient == RECIPIENT], 3, newest_first=newest_first, covered=covered
    )
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        # A few rows a day: without this the planner would rather read them all and sort (as it should).
        connection.execute(text("SET enable_seqscan = off"))
        connection.execute(text("SET enable_bitmapscan = off"))
        lines = connection.execute(text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)).scalars()
        return "\n".join(lines)


def test_the_partitions_are_read_in_order_and_those_after_the_page_not_at_all(engine: Engine) -> None:
    fill(engine)
    with engine.connect() as connection:
        covered = covered_range(connection)
    shaped = plan(engine, covered=covered)
    scans = {line.split(" on ")[1].split()[0]: line for line in shaped.splitlines() if " on events_" in line}
    # Today's and tomorrow's rows fill the page of 3: the days before them are never read...
    assert "never executed" not in scans[f"events_p{day(1):%Y%m%d}"]
    assert all("never executed" in scans[f"events_p{day(-n):%Y%m%d}"] for n in range(1, 6)), shaped
    # ...and the default partition is read on its own, with the partition beyond the gap.
    assert list(scans)[-2:] == [f"events_p{day(-10):%Y%m%d}", "events_default"], shaped
    # Asked for in one piece, the same page merges every partition, the default one included: each is read.
    whole = plan(engine, covered=None)
    assert "Merge Append" in whole and "events_default" in whole and "never executed" not in whole


def test_a_listing_a_connection_runs_often_is_prepared_and_stays_prepared(
    engine: Engine, settings_for: Callable[..., Settings]
) -> None:
    """Planning a page over every partition costs more than reading it: a listing must not be planned
    afresh on every request, as it is when each request's connection goes back to the pool rolled back
    (psycopg then forgets what it prepared)."""
    fill(engine)
    settings = settings_for(engine.url.render_as_string(hide_password=False))
    api = Api(create_app(settings).test_client())
    for _ in range(7):  # psycopg prepares a statement at its sixth run on a connection
        api.get("/events", recipient=RECIPIENT, limit="3")
    with region_read_engine(settings, None).connect() as connection:  # the connection those requests used
        prepared = connection.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    assert any("FROM events" in statement and "LIMIT" in statement for statement in prepared), prepared
