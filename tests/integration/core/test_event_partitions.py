"""`events` partitioned on Postgres: where rows land, partitions made ahead and out of the default one,
retention dropping whole partitions (and the feed's horizon with them), and `mailhook check`'s warning.

Each test has a database of its own: these tests create and drop partitions."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from app.core import migrate
from app.core.db import make_engine
from app.core.models.feed import HORIZON_ROW
from app.core.partition_periods import DAILY, MONTHLY, Range, ahead, period_start
from app.core.partitions import create_partitions, default_rows, ensure_ahead, partitions
from app.core.settings import Settings
from app.core.stores import Store
from app.web.factory import create_app
from tests.conftest import throwaway_database
from tests.integration.conftest import (
    Api,
    add_event,
    add_inbox_row,
    event_row,
    statements_sent,
    vacuum_holding,
)
from workers.events.store import store_events
from workers.ops.checks import check_partitions
from workers.ops.partition_drop import drop_expired_partitions
from workers.ops.retention import purge

pytestmark = pytest.mark.postgres

TODAY = period_start(datetime.now(UTC), DAILY)


@pytest.fixture
def engine() -> Iterator[Engine]:
    with throwaway_database(f"mailhook_parts_{uuid.uuid4().hex[:8]}") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def partition_of(engine: Engine, event_id: int) -> str:
    with engine.connect() as connection:
        return str(
            connection.scalar(
                text("SELECT tableoid::regclass::text FROM events WHERE id = :id"), {"id": event_id}
            )
        )


def names(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [p.name for p in partitions(connection)]


def day(offset: int) -> datetime:
    return TODAY + timedelta(days=offset)


def make_days(engine: Engine, *offsets: int) -> None:
    with engine.begin() as connection:
        for offset in offsets:
            create_partitions(connection, Range(day(offset), day(offset + 1)), DAILY)


def test_the_migrated_table_has_today_tomorrow_and_a_default(engine: Engine) -> None:
    expected = [f"events_p{day(0):%Y%m%d}", f"events_p{day(1):%Y%m%d}", "events_default"]
    assert names(engine) == expected
    assert ensure_ahead(engine, DAILY) == []  # already there


def test_events_land_in_their_partition_with_ids_from_the_sequence_and_one_row_per_key(
    engine: Engine,
) -> None:
    now = datetime.now(UTC).replace(microsecond=123000)
    with engine.begin() as connection:
        first = store_events(connection, [event_row(mailgun_event_id="a", occurred_at=now)])  # the COPY path
        again = store_events(connection, [event_row(mailgun_event_id="a", occurred_at=now),
                                          event_row(mailgun_event_id="b", occurred_at=now)])  # fmt: skip
        polled = store_events(
            connection, [event_row(mailgun_event_id="a", occurred_at=now)], likely_new=False
        )
    old = add_event(engine, occurred_at=datetime(2025, 3, 1, tzinfo=UTC))

    assert [e.mailgun_event_id for e in again] == ["b"] and polled == []  # the key (id, time, event) held
    assert again[0].id > first[0].id and old > again[0].id
    assert partition_of(engine, first[0].id) == f"events_p{day(0):%Y%m%d}"
    assert partition_of(engine, old) == "events_default"


def test_a_new_partition_takes_its_rows_out_of_the_default_with_their_ids_and_positions(
    engine: Engine,
) -> None:
    old = add_event(engine, occurred_at=datetime(2025, 3, 1, 12, tzinfo=UTC))
    with engine.connect() as connection:
        before = connection.execute(
            text("SELECT id, feed_xact FROM events WHERE id = :id"), {"id": old}
        ).one()
        assert default_rows(connection) == 1

    with engine.begin() as connection:
        created = create_partitions(
            connection, Range(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC)), MONTHLY
        )

    assert created == ["events_p202503"]
    assert partition_of(engine, old) == "events_p202503"
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT id, feed_xact FROM events WHERE id = :id"), {"id": old}).one()
            == before
        )
        assert default_rows(connection) == 0


def test_monthly_partitions_fill_the_gaps_daily_ones_leave(engine: Engine) -> None:
    created = ensure_ahead(engine, MONTHLY)
    this_month, next_month = ahead(datetime.now(UTC), MONTHLY)
    with engine.connect() as connection:
        ranges = [p.range for p in partitions(connection) if p.range is not None]
    assert created  # the rest of this month, and the next month whole
    assert next_month in ranges
    assert min(r.lower for r in ranges) == min(this_month.lower, day(0))
    assert all(a.upper <= b.lower for a, b in pairwise(ranges))  # no overlap


def test_retention_drops_whole_partitions_and_deletes_only_in_the_one_straddling(engine: Engine) -> None:
    make_days(engine, -40, -35, -30)
    dropped = [add_event(engine, occurred_at=day(-40) + timedelta(hours=h)) for h in (1, 2)]
    dropped.append(add_event(engine, occurred_at=day(-35)))
    cutoff = day(-30) + timedelta(hours=12)
    straddling_old = add_event(engine, occurred_at=day(-30) + timedelta(hours=3))
    straddling_kept = add_event(engine, occurred_at=day(-30) + timedelta(hours=20))
    pending = add_inbox_row(engine, received_at=day(-40), status="pending")
    with engine.connect() as connection:
        positions = connection.execute(
            text("SELECT feed_xact, id FROM events WHERE id = ANY(:ids)"), {"ids": [*dropped, straddling_old]}
        ).all()

    [events, inbox, *_] = purge(engine, cutoff)

    assert (events.partitions, events.rows, inbox.rows) == (2, 4, 0)
    assert f"events_p{day(-40):%Y%m%d}" not in names(engine) and f"events_p{day(-35):%Y%m%d}" not in names(
        engine
    )
    assert f"events_p{day(-30):%Y%m%d}" in names(engine)
    with engine.connect() as connection:
        assert connection.scalars(text("SELECT id FROM events ORDER BY id")).all() == [straddling_kept]
        assert connection.scalar(text("SELECT count(*) FROM inbox WHERE id = :id"), {"id": pending}) == 1
        horizon = connection.execute(
            text("SELECT feed_xact, event_id FROM feed_horizon WHERE id = :row"), {"row": HORIZON_ROW}
        ).one()
    assert tuple(horizon) == max(tuple(p) for p in positions)  # a cursor before any of them is refused


def test_a_partition_never_analyzed_is_counted_before_events_is_locked(engine: Engine) -> None:
    make_days(engine, -40)
    for hour in (1, 2, 3):
        add_event(engine, occurred_at=day(-40) + timedelta(hours=hour))
    with statements_sent(engine) as statements:
        dropped = drop_expired_partitions(engine, day(-39))

    assert (dropped.partitions, dropped.rows) == (1, 3)
    assert f"events_p{day(-40):%Y%m%d}" not in names(engine)

    def at(start: str) -> int:
        return next(i for i, sql in enumerate(statements) if sql.startswith(start))

    # Counting a day's rows, and unlinking a day's files (at the drop's commit), each take a second or more
    # at volume: under the lock on events, every write and read of it would wait as long.
    assert at("SELECT count(*)") < at("LOCK TABLE ONLY events") < at("ALTER TABLE events DETACH"), statements
    assert "COMMIT" in statements[at("ALTER TABLE events DETACH") : at("DROP TABLE")], statements


def test_a_table_left_detached_by_a_stopped_run_is_dropped_by_the_next_once_expired(engine: Engine) -> None:
    make_days(engine, -70, -2)
    add_event(engine, occurred_at=day(-70) + timedelta(hours=1))
    old, recent = f"events_p{day(-70):%Y%m%d}", f"events_p{day(-2):%Y%m%d}"
    with engine.begin() as connection:  # what a run stopped between its detach and its drop leaves
        for name in (old, recent):
            connection.execute(text(f"ALTER TABLE events DETACH PARTITION {name}"))
        connection.execute(text("CREATE TABLE events_pnotes (note text)"))  # named alike, not a partition

    dropped = drop_expired_partitions(engine, day(-30))

    assert dropped.partitions == 0  # none attached had expired
    with engine.connect() as connection:
        left = {name for name in (old, recent, "events_pnotes") if connection.scalar(
            text("SELECT to_regclass(:name) IS NOT NULL"), {"name": name}
        )}  # fmt: skip
    # The recent one may still hold a day the retention keeps: only one wholly past it goes.
    assert left == {recent, "events_pnotes"}


def test_check_warns_while_the_default_partition_holds_rows(engine: Engine) -> None:
    store = Store("primary", engine.url.render_as_string(hide_password=False), ("us", "eu"))
    [quiet] = list(check_partitions(store, "database", DAILY))
    add_event(engine, occurred_at=datetime(2025, 3, 1, tzinfo=UTC))
    [warned] = list(check_partitions(store, "database", DAILY))

    assert (quiet.ok, quiet.warning, quiet.detail) == (True, False, "2 partitions, the default one empty")
    assert warned.warning and warned.detail.startswith("1 events in events_default")


def test_check_warns_when_the_next_period_has_no_partition(engine: Engine) -> None:
    store = Store("primary", engine.url.render_as_string(hide_password=False), ("us", "eu"))
    [missing] = list(check_partitions(store, "database", MONTHLY))  # next month has no partition yet
    assert missing.warning and "no partition yet for events from" in missing.detail


@pytest.fixture
def at_0011() -> Iterator[str]:
    with throwaway_database(f"mailhook_parts_{uuid.uuid4().hex[:8]}", migrated=False) as url:
        migrate.upgrade(url, "0011_event_time_milliseconds")
        yield url


def test_a_small_table_is_partitioned_in_place_and_back_with_its_ids_positions_and_key(at_0011: str) -> None:
    engine = make_engine(at_0011)
    try:
        kept = [add_event(engine, occurred_at=day(-d)) for d in (0, 3, 300)]
        with engine.connect() as connection:
            before = connection.execute(
                text("SELECT id, feed_xact, occurred_at FROM events ORDER BY id")
            ).all()
        migrate.upgrade(at_0011)

        after = add_event(engine, occurred_at=day(0))
        with engine.connect() as connection:
            moved = text("SELECT id, feed_xact, occurred_at FROM events WHERE id <> :id ORDER BY id")
            assert connection.execute(moved, {"id": after}).all() == before
            assert names(engine)[0] == f"events_p{day(-300):%Y%m%d}"  # every period since the oldest event
        assert after > max(kept)
        assert partition_of(engine, kept[2]) == f"events_p{day(-300):%Y%m%d}"

        migrate.downgrade(at_0011, "0011_event_time_milliseconds")
        with engine.connect() as connection:
            assert (
                connection.scalar(text("SELECT relkind FROM pg_class WHERE oid = 'events'::regclass")) == "r"
            )
            assert connection.scalar(text("SELECT count(*) FROM events")) == 4
            row = connection.execute(text("SELECT mailgun_event_id, occurred_at FROM events LIMIT 1")).one()
        with pytest.raises(IntegrityError):  # the key (mailgun_event_id, occurred_at, event) is back too
            add_event(engine, mailgun_event_id=row[0], occurred_at=row[1])
        assert add_event(engine, occurred_at=day(0)) > after  # the sequence went along both ways
    finally:
        engine.dispose()


def test_the_feed_refuses_a_cursor_before_a_dropped_partition_and_reads_on_past_it(
    engine: Engine, settings_for: Callable[..., Settings]
) -> None:
    api = Api(create_app(settings_for(engine.url.render_as_string(hide_password=False))).test_client())
    make_days(engine, -40)
    old_1 = add_event(engine, occurred_at=day(-40))
    new_1 = add_event(engine, occurred_at=day(0))
    old_2 = add_event(engine, occurred_at=day(-40) + timedelta(hours=1))  # stored late: a later position
    new_2 = add_event(engine, occurred_at=day(0))
    page = api.feed(4, limit="4")["items"]
    assert [item["id"] for item in page] == [old_1, new_1, old_2, new_2]
    at_old_1, at_old_2 = page[0]["feed_position"], page[2]["feed_position"]

    [events, *_] = purge(engine, day(-30))

    assert events.partitions == 1
    refused = api.get("/feed", wait="0", after=at_old_1)
    assert refused.status_code == 410 and refused.get_json()["error"]["code"] == "cursor_expired"
    assert [item["id"] for item in api.get("/feed", wait="0", after=at_old_2).get_json()["items"]] == [new_2]


def test_a_vacuum_of_todays_partition_does_not_keep_the_drop_waiting(engine: Engine) -> None:
    make_days(engine, -40)
    add_event(engine, occurred_at=day(-40) + timedelta(hours=1))
    with vacuum_holding(engine, f"events_p{day(0):%Y%m%d}"):
        dropped = drop_expired_partitions(engine, day(-39))
    assert dropped.partitions == 1 and f"events_p{day(-40):%Y%m%d}" not in names(engine)
