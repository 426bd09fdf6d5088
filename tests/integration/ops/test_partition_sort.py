"""Closed partitions of `events` rewritten in recipient order (workers/ops/partition_sort.py), on a real
Postgres: every row, id and feed position kept, rows stored during the copy taken over, the catalog as it
was, the lock on `events` held only by the swap, and what a stopped run leaves cleaned up.

Each test has a database of its own: these tests create, swap and drop partitions."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete, text

from app.core.db import make_engine
from app.core.models.events import Event
from app.core.partition_periods import DAILY, Range, period_start
from app.core.partitions import create_partitions, partitions
from app.core.settings import load_settings
from app.core.task_names import SORT_PARTITIONS
from tests.conftest import throwaway_database
from tests.integration.conftest import add_event, event_row, statements_sent, vacuum_holding
from workers.celery import create_celery
from workers.events.store import store_events
from workers.ops import partition_sort
from workers.ops.feed_horizon import raise_feed_horizon
from workers.ops.partition_sort import SortAbandoned, candidates, drop_leftovers, sort_next, sort_partition
from workers.ops.retention import _delete

pytestmark = pytest.mark.postgres

TODAY = period_start(datetime.now(UTC), DAILY)
NOW = TODAY + timedelta(hours=12)
CUTOFF = TODAY - timedelta(days=30)


def day(offset: int) -> datetime:
    return TODAY + timedelta(days=offset)


def name_of(offset: int) -> str:
    return f"events_p{day(offset):%Y%m%d}"


@pytest.fixture
def engine() -> Iterator[Engine]:
    with throwaway_database(f"mailhook_sort_{uuid.uuid4().hex[:8]}") as url:
        engine = make_engine(url)
        with engine.begin() as connection:
            for offset in (-5, -3, -2):
                create_partitions(connection, Range(day(offset), day(offset + 1)), DAILY)
        yield engine
        engine.dispose()


def fill_day(engine: Engine, offset: int, rows: int, recipients: int = 17) -> None:
    """`rows` events through the day in time order, recipients interleaved as traffic interleaves them."""
    step = timedelta(days=1) / rows
    with engine.begin() as connection:
        store_events(connection, [
            event_row(occurred_at=day(offset) + i * step, recipient=f"user{i % recipients}@example.org",
                      tags=[f"t{i % 3}"], user_variables={"n": i})
            for i in range(rows)
        ])  # fmt: skip


def every_row(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT to_jsonb(e) FROM events e ORDER BY id")))


def physical_order(engine: Engine, partition: str) -> list[tuple[str, datetime]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(
            text(f"SELECT recipient, occurred_at FROM {partition} ORDER BY ctid")  # noqa: S608
        )]  # fmt: skip


def sorted_order(engine: Engine, partition: str) -> list[tuple[str, datetime]]:
    """The partition's rows in the order the sort writes them (the database's collation decides)."""
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(
            f"SELECT recipient, occurred_at FROM {partition} ORDER BY recipient, occurred_at, id"  # noqa: S608
        ))]  # fmt: skip


def catalog(engine: Engine, partition: str) -> dict[str, Any]:
    """What a reader of the schema sees of one partition: its indexes, constraints and bounds."""
    with engine.connect() as connection:
        indexes = connection.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t ORDER BY 1"),
            {"t": partition},
        ).all()
        constraints = connection.execute(
            text(
                "SELECT conname, pg_get_constraintdef(oid), conparentid <> 0 FROM pg_constraint "
                "WHERE conrelid = to_regclass(:t) ORDER BY 1"
            ),
            {"t": partition},
        ).all()
        attached = connection.execute(
            text(
                "SELECT parent.relname, x.indexrelid::regclass::text FROM pg_inherits i "
                "JOIN pg_class parent ON parent.oid = i.inhparent "
                "JOIN pg_index x ON x.indexrelid = i.inhrelid WHERE x.indrelid = to_regclass(:t) ORDER BY 2"
            ),
            {"t": partition},
        ).all()
        bounds = [p.range for p in partitions(connection) if p.name == partition]
    return {
        "indexes": [tuple(r) for r in indexes],
        "constraints": [tuple(r) for r in constraints],
        "attached_indexes": [tuple(r) for r in attached],
        "bounds": bounds,
    }


def tables_left(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.scalars(
                text(
                    "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ '^events_[sx][0-9]+$' "
                    "ORDER BY 1"
                )
            )
        )


def test_a_closed_day_is_rewritten_in_recipient_order_with_every_row_and_its_catalog_kept(
    engine: Engine,
) -> None:
    fill_day(engine, -3, 400)
    fill_day(engine, -2, 50)
    rows, schema = every_row(engine), catalog(engine, name_of(-3))
    assert physical_order(engine, name_of(-3)) != sorted_order(engine, name_of(-3))

    [done] = sort_next(engine, NOW, CUTOFF)

    assert (done.partition, done.rows, done.caught_up, done.taken_over) == (name_of(-2), 50, 0, 0)  # newest
    [done] = sort_next(engine, NOW, CUTOFF)
    assert (done.partition, done.rows) == (name_of(-3), 400)
    assert every_row(engine) == rows  # every column of every row, ids and feed positions included
    assert physical_order(engine, name_of(-3)) == sorted_order(engine, name_of(-3))
    assert physical_order(engine, name_of(-2)) == sorted_order(engine, name_of(-2))
    assert catalog(engine, name_of(-3)) == schema  # the same index and key names, attached to the parent's
    assert tables_left(engine) == []
    # Sorted ones are marked (CLUSTER ON), the empty day before is sorted next, then none is left to do.
    assert candidates(engine, NOW, CUTOFF) == [name_of(-5)]
    sort_next(engine, NOW, CUTOFF)
    assert candidates(engine, NOW, CUTOFF) == [] and sort_next(engine, NOW, CUTOFF) == []
    with engine.connect() as connection:  # the sorted day answers through its indexes as before
        connection.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(connection.scalars(text(
            "EXPLAIN SELECT id FROM events WHERE recipient = 'user3@example.org' ORDER BY occurred_at DESC"
        )))  # fmt: skip
        found = connection.scalar(text("SELECT count(*) FROM events WHERE recipient = 'user3@example.org'"))
    assert f"{name_of(-3)}_recipient_occurred_at_id_idx" in plan
    assert found == len([i for i in range(400) if i % 17 == 3]) + len([i for i in range(50) if i % 17 == 3])


def test_today_tomorrow_a_day_closed_under_a_day_and_one_near_the_cutoff_are_left_alone(
    engine: Engine,
) -> None:
    near_cutoff = TODAY - timedelta(days=5)
    with engine.connect() as connection:
        assert {name_of(0), name_of(1)} <= {p.name for p in partitions(connection)}  # made by the migration
    assert candidates(engine, NOW, CUTOFF) == [name_of(-2), name_of(-3), name_of(-5)]
    # -1 has no partition; a closed day is sorted a day after its end, and not within a day of the cutoff.
    assert candidates(engine, day(-1) + timedelta(hours=23), CUTOFF) == [name_of(-3), name_of(-5)]
    assert candidates(engine, NOW, near_cutoff) == [name_of(-2), name_of(-3)]


def test_rows_stored_while_the_day_is_copied_are_taken_over_by_the_swap(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill_day(engine, -3, 300)
    # A transaction that writes into the day before the copy's snapshot and commits after it: its row is
    # not in the copy, and only its transaction id says it may be missing.
    writer = engine.connect()
    open_txn = writer.begin()
    in_flight = store_events(
        writer, [event_row(occurred_at=day(-3) + timedelta(hours=5), recipient="a@x.org")]
    )
    stored_later: list[int] = []
    build, catch_up = partition_sort._build_indexes, partition_sort._catch_up

    def build_then_store(*args: Any) -> None:
        open_txn.commit()  # after the copy's snapshot
        stored_later.append(add_event(engine, occurred_at=day(-3) + timedelta(hours=7), recipient="b@x.org"))
        stored_later.append(add_event(engine, occurred_at=day(-2), recipient="c@x.org"))  # another day
        build(*args)
        # During the index builds as well: the catch-up takes these over too.
        stored_later.append(add_event(engine, occurred_at=day(-3) + timedelta(hours=9), recipient="d@x.org"))

    def catch_up_then_store(*args: Any) -> Any:
        caught = catch_up(*args)
        # After the catch-up, before the swap's lock: the swap takes this one over.
        stored_later.append(add_event(engine, occurred_at=day(-3) + timedelta(hours=11), recipient="e@x.org"))
        return caught

    monkeypatch.setattr(partition_sort, "_build_indexes", build_then_store)
    monkeypatch.setattr(partition_sort, "_catch_up", catch_up_then_store)
    try:
        done = sort_partition(engine, name_of(-3))
    finally:
        writer.close()

    assert (done.rows, done.caught_up, done.taken_over) == (300, 3, 1)
    with engine.connect() as connection:
        ids = set(connection.scalars(text(f"SELECT id FROM {name_of(-3)}")))  # noqa: S608
        total = connection.scalar(text("SELECT count(*) FROM events"))
    assert {in_flight[0].id, stored_later[0], stored_later[2], stored_later[3]} <= ids and len(ids) == 304
    assert total == 305


def test_nothing_is_lost_or_doubled_while_writers_keep_storing_into_the_day(engine: Engine) -> None:
    fill_day(engine, -3, 2000)
    stop, stored, errors = threading.Event(), list[int](), list[BaseException]()

    def keep_storing() -> None:
        offset = 0
        try:
            while not stop.is_set():
                offset += 1
                with engine.begin() as connection:
                    at = timedelta(seconds=offset)
                    batch = store_events(connection, [
                        event_row(occurred_at=day(-3) + at, recipient=f"w{offset}@x.org"),
                        event_row(occurred_at=day(0) + at),
                    ])  # fmt: skip
                stored.extend(e.id for e in batch)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    writers = [threading.Thread(target=keep_storing) for _ in range(2)]
    for thread in writers:
        thread.start()
    try:
        done = sort_partition(engine, name_of(-3))
    finally:
        stop.set()
        for thread in writers:
            thread.join(30)

    assert errors == []
    assert done.rows >= 2000 and len(stored) > 10
    with engine.connect() as connection:
        ids = list(connection.scalars(text("SELECT id FROM events")))
    assert len(ids) == len(set(ids)) == 2000 + len(stored)
    assert set(stored) <= set(ids)


def test_only_the_swap_holds_events_locked_and_the_old_table_is_dropped_after_it(engine: Engine) -> None:
    fill_day(engine, -3, 100)
    with statements_sent(engine) as statements:
        sort_partition(engine, name_of(-3))

    def at(start: str) -> int:
        return next(i for i, sql in enumerate(statements) if sql.startswith(start))

    locked = at("LOCK TABLE ONLY events")
    assert max(i for i, sql in enumerate(statements) if sql.startswith("CREATE INDEX CONCURRENTLY")) < locked
    assert at("VACUUM") < locked < at("ALTER TABLE events DETACH") < at("ALTER TABLE events ATTACH")
    # The CHECK is in place before the ATTACH, which then need not read the copy.
    assert at(f"ALTER TABLE events_s{day(-3):%Y%m%d} ADD CONSTRAINT events_s{day(-3):%Y%m%d}_bounds") < locked
    assert "COMMIT" in statements[at("ALTER TABLE events ATTACH") : at("DROP TABLE IF EXISTS events_x")]


@pytest.mark.parametrize("horizon_already_past", [False, True])
def test_a_deletion_during_the_copy_abandons_the_swap_and_the_day_waits_a_run(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, horizon_already_past: bool
) -> None:
    fill_day(engine, -2, 50)
    fill_day(engine, -3, 10)
    gone = add_event(engine, occurred_at=day(-2) + timedelta(hours=1))
    if horizon_already_past:  # a deletion that does not raise the horizon must be seen all the same
        with engine.begin() as connection:
            raise_feed_horizon(connection, (2**62, 0))
    build = partition_sort._build_indexes

    def purge_then_build(*args: Any) -> None:
        # What an operator's `mailhook purge --age` reaching into the day does to its rows (and only those).
        with engine.begin() as connection:
            _delete(connection, delete(Event.__table__).where(Event.id == gone))
        build(*args)

    monkeypatch.setattr(partition_sort, "_build_indexes", purge_then_build)
    with pytest.raises(SortAbandoned):
        sort_partition(engine, name_of(-2))
    monkeypatch.undo()

    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM events WHERE id = :id"), {"id": gone}) == 0
    assert tables_left(engine) == [f"events_s{day(-2):%Y%m%d}"]  # the copy, with the deleted row in it
    # The next run drops the copy and lets the day wait, sorting the one before; the run after, the day.
    assert [d.partition for d in sort_next(engine, NOW, CUTOFF)] == [name_of(-3)]
    assert tables_left(engine) == []
    rows_before = every_row(engine)
    assert [d.partition for d in sort_next(engine, NOW, CUTOFF)] == [name_of(-2)]
    assert every_row(engine) == rows_before
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM events WHERE id = :id"), {"id": gone}) == 0


def test_a_change_of_the_schema_during_the_copy_abandons_the_swap(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill_day(engine, -3, 20)
    schema = catalog(engine, name_of(-3))
    build = partition_sort._build_indexes

    def migrate_then_build(*args: Any) -> None:
        with engine.begin() as connection:  # a migration adding an index to events meanwhile
            connection.execute(text("CREATE INDEX ix_events_source ON events (source)"))
        build(*args)

    monkeypatch.setattr(partition_sort, "_build_indexes", migrate_then_build)
    with pytest.raises(SortAbandoned):
        sort_partition(engine, name_of(-3))
    after = catalog(engine, name_of(-3))
    assert after["bounds"] == schema["bounds"] and len(after["indexes"]) == len(schema["indexes"]) + 1


def test_a_swap_kept_waiting_by_a_reader_is_tried_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fill_day(engine, -3, 20)
    holding, release = threading.Event(), threading.Event()

    def read_for_a_while() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM events"))  # holds its locks to the end
            holding.set()
            release.wait(10)
            connection.rollback()

    catch_up = partition_sort._catch_up

    def catch_up_then_hold(*args: Any) -> Any:
        caught = catch_up(*args)
        threading.Thread(target=read_for_a_while).start()
        assert holding.wait(10)
        threading.Timer(1.2, release.set).start()  # longer than the swap's lock timeout
        return caught

    monkeypatch.setattr(partition_sort, "_catch_up", catch_up_then_hold)
    monkeypatch.setattr(partition_sort, "SWAP_RETRY_SECONDS", 0.2)
    with caplog.at_level("INFO", logger="workers.ops.partition_sort"):
        done = sort_partition(engine, name_of(-3))
    assert done.rows == 20 and release.is_set()
    assert "busy, swapping it again" in caplog.text
    assert candidates(engine, NOW, CUTOFF) == [name_of(-2), name_of(-5)]


def test_tables_a_stopped_run_left_are_dropped_and_others_alike_kept(engine: Engine) -> None:
    stamp = f"{day(-3):%Y%m%d}"
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE events_s{stamp} (LIKE events)"))  # an unfinished copy
        connection.execute(text(f"CREATE TABLE events_x{stamp} (LIKE events)"))  # swapped out, not dropped
        connection.execute(text("CREATE TABLE events_summary (note text)"))  # named alike, not ours

    assert sorted(drop_leftovers(engine)) == [f"events_s{stamp}", f"events_x{stamp}"]
    assert tables_left(engine) == []
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT to_regclass('events_summary') IS NOT NULL"))


def test_sqlite_has_nothing_to_sort(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/mailhook.db")
    assert sort_next(engine, NOW, CUTOFF) == []


@pytest.mark.parametrize("enabled", [True, False])
def test_the_beat_task_sorts_one_partition_a_run_or_turned_off_only_tidies(
    engine: Engine, tmp_path: Any, enabled: bool
) -> None:
    fill_day(engine, -3, 30)
    fill_day(engine, -2, 30)
    left = f"events_x{day(-5):%Y%m%d}"
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE {left} (LIKE events)"))  # what a stopped run left
    env = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "MAILHOOK_SORT_PARTITIONS": "true" if enabled else "false",
        "MAILHOOK_BROKER_DIR": str(tmp_path / "broker"),
    }
    celery = create_celery(load_settings(env))
    celery.loader.import_default_modules()
    task = celery.tasks[SORT_PARTITIONS]

    assert task.apply().get() == (1 if enabled else 0)
    assert tables_left(engine) == []
    expected = [name_of(-3), name_of(-5)] if enabled else [name_of(-2), name_of(-3), name_of(-5)]
    assert candidates(engine, NOW, CUTOFF) == expected


def test_a_vacuum_of_todays_partition_does_not_keep_the_swap_waiting(engine: Engine) -> None:
    fill_day(engine, -3, 20)
    with vacuum_holding(engine, name_of(0)):
        done = sort_partition(engine, name_of(-3))
    assert done.rows == 20 and candidates(engine, NOW, CUTOFF) == [name_of(-2), name_of(-5)]
