"""Closed partitions of `events` rewritten in recipient order, without holding up any reader or writer.

Why: a day's rows lie in the order they arrived, so one recipient's few events of the day sit on as many
table pages, among every other recipient's. A recipient's page of 50 events then reads a table page per
event, and from disk, when the table is larger than memory (bench/scale.py at 50 M: p99 over 100 ms).
Rewritten in (recipient, occurred_at) order, a recipient's rows of the day share a page or two.

How, in four steps, none of which stops the intake, the drain or the API for more than the swap's
milliseconds:

1. Copy. One read-only REPEATABLE READ transaction streams the partition in (recipient, occurred_at, id)
   order (COPY ... TO STDOUT) into a new table named `events_s<day>`, in write transactions of COPY_BATCH
   rows each. The read holds no transaction id and every write is short, so the feed's watermark (the
   oldest open writing transaction, docs/feed.md) is never held back for long. Before it copies, the read
   notes its snapshot's xmin X: a row the copy did not see was stored by a transaction that had not
   committed when the snapshot was taken, so that transaction's id is X or more, and a row's `feed_xact`
   is the id of the transaction that stored it (no writer sets it: app/core/models/feed.py).
2. Indexes. The partition's own indexes, built CONCURRENTLY on the copy (a concurrent build holds no
   transaction id while it scans and sorts), its primary and unique keys added on theirs, a CHECK of the
   partition's bounds (so that ATTACH can skip its scan), then VACUUM ANALYZE: the copy is planned and
   index-only scanned from its first read, as the partition it replaces was.
3. Catch up, then swap. The rows stored into the partition since the snapshot (`feed_xact` >= X; the
   (feed_xact, id) index finds them) are copied over, outside any lock; then one short transaction locks
   `events` itself (LOCK TABLE ONLY, with a short lock timeout, tried again a few times, as the
   retention's drop does), takes over the rows of the last moments the same way, detaches the partition
   and renames it away (`events_x<day>`, its indexes too), gives the copy its name and its indexes'
   names, attaches it for the same bounds, drops its CHECK and marks it CLUSTER ON its recipient index:
   the marker by which a later run knows the partition is sorted (`pg_index.indisclustered`).
4. The old table is dropped in a transaction of its own: unlinking a day's files at commit takes most of a
   second at volume, which under the lock would hold every query of `events` up.

Ids, keys and feed positions are copied as they are: every cursor and the feed's order stay unchanged, and
no row is ever missing or doubled for a reader (the swap is one transaction). A late event stored into a
sorted partition is appended, as before. A run stopped part way leaves an `events_s` or `events_x` table
outside `events`; the next run drops it. Deleting rows is retention's business and it never deletes from a
partition this job picks (wholly younger than the cutoff by a day), but an operator's `mailhook purge --age`
may: every deletion of events writes the feed horizon's row, and a new version of that row seen at the swap
abandons it (the copy is made again by a later run). So does a change of `events`' columns or indexes.

Not MVCC-safe for a transaction whose snapshot is older than the swap and that first reads `events` after
it (a REPEATABLE READ report): it sees the day empty, as after a TRUNCATE. The service's own reads take a
snapshot per statement; pg_dump locks the tables first, so the swap waits for it (and is put off).

Which: partitions closed for SORT_SETTLE (Mailgun retries a webhook for up to 8 hours), not sorted yet,
newest first (the ones lookups read most), one per run and database; beat runs it hourly. Postgres only:
SQLite has no partitions, and nothing here runs there.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from celery import shared_task
from psycopg import sql
from sqlalchemy import Connection, Engine, text

from app.core.broker import VISIBILITY_TIMEOUT_SECONDS
from app.core.db import engine_for_url
from app.core.models.feed import HORIZON_ROW
from app.core.partition_periods import NAME_PREFIX, PARENT, Range, to_sort
from app.core.partitions import DEFAULT_ROWS_COUNTED, default_rows, partitions
from app.core.stores import stores
from app.core.task_names import SORT_PARTITIONS
from workers.ops.events_lock import with_events_locked
from workers.ops.leases import run_alone
from workers.ops.retention import cutoff_for
from workers.settings import task_settings

log = logging.getLogger(__name__)

COPY_BATCH = 20_000  # rows per write transaction of the copy: a fraction of a second, some MB held
SORT_WORK_MEM = "256MB"  # the read's sort; a day at volume sorts on disk past it, which only costs time
SWAP_RETRY_SECONDS = 1.0  # between tries of the swap's lock (workers/ops/events_lock.py)
COPY_PREFIX, AWAY_PREFIX = "events_s", "events_x"
# The swap takes over the rows stored since the last catch-up under the lock; past this many it is put off.
SWAP_CATCH_UP_MAX = 10_000
# Larger partitions (a month at volume) would not be copied and indexed within the task's time limit.
SORT_MAX_ROWS = 50_000_000
# A day at 10 M events takes minutes (copy, then nine index builds): the task may run longer than others,
# still under the broker's visibility timeout, so Redis never hands it to a second worker while it runs.
SORT_TIME_LIMIT_SECONDS = 3000
assert SORT_TIME_LIMIT_SECONDS < VISIBILITY_TIMEOUT_SECONDS
SORT_LEASE = timedelta(seconds=SORT_TIME_LIMIT_SECONDS + 300)
SORT_ORDER = ("recipient", "occurred_at", "id")
_INDEX_SUFFIX = re.compile(r"_[a-z0-9_]+")
# A partition mailhook named (app/core/partition_periods.py), and what a stopped sort leaves of one.
_OURS = re.compile(re.escape(NAME_PREFIX) + r"[0-9]+")
_LEFT = re.compile(f"(?:{re.escape(COPY_PREFIX)}|{re.escape(AWAY_PREFIX)})([0-9]+)")
_INDEX_DEF = re.compile(r"^CREATE (UNIQUE )?INDEX (\S+) ON (?:ONLY )?(\S+) (USING .+)$", re.DOTALL)


class SortAbandoned(Exception):
    """The swap was not done (events were deleted meanwhile); a later run copies the partition again."""


@dataclass(frozen=True, slots=True)
class IndexPlan:
    name: str  # the partition's index
    copy_name: str  # the copy's, until the swap gives it `name`
    away_name: str  # what the partition's becomes when it is swapped out
    definition: str  # CREATE [UNIQUE] INDEX CONCURRENTLY ... ON the copy
    constraint: str | None  # "PRIMARY KEY" / "UNIQUE" when the index backs the partition's key


@dataclass(frozen=True, slots=True)
class Swap:
    partition: str
    copy: str
    away: str
    plans: list[IndexPlan]
    bounds: Range
    columns: list[str]
    parent_indexes: int  # how many indexes `events` had when the copy began
    since: int  # a snapshot's xmin: rows the copy may lack have feed_xact >= this
    deletions: str | None  # the version (xmin) of the feed horizon's row the copy's snapshot saw


@dataclass(frozen=True, slots=True)
class Sorted:
    partition: str
    rows: int  # copied from the partition's snapshot
    caught_up: int  # stored into it while it was copied and indexed, copied over before the swap
    taken_over: int  # stored into it in the moments before the swap, taken over under the lock
    copy_seconds: float
    index_seconds: float
    swap_seconds: float  # the transaction that held `events` locked
    drop_seconds: float


def sort_next(engine: Engine, now: datetime, cutoff: datetime, limit: int = 1) -> list[Sorted]:
    """Up to `limit` partitions sorted, newest first; [] on SQLite or when every closed one is sorted.

    A partition whose last sort was stopped part way (its copy or its swapped-out table left behind) waits
    for the next run, so that one partition that cannot be sorted does not keep every older one waiting."""
    if engine.dialect.name != "postgresql":
        return []
    stopped = {_LEFT.sub(NAME_PREFIX + r"\1", name) for name in drop_leftovers(engine)}
    done = []
    for name in [name for name in candidates(engine, now, cutoff) if name not in stopped][:limit]:
        done.append(sort_partition(engine, name))
    return done


def candidates(engine: Engine, now: datetime, cutoff: datetime) -> list[str]:
    """The partitions worth sorting now, newest first: not sorted yet, and not past SORT_MAX_ROWS."""
    with engine.connect() as connection:
        found = partitions(connection)
        # Sorted: marked CLUSTER ON an index (the swap does it); too big: by the statistics.
        marks = connection.execute(
            text(
                "SELECT c.relname, EXISTS (SELECT 1 FROM pg_index x "
                "WHERE x.indrelid = c.oid AND x.indisclustered), c.reltuples > :most "
                "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = to_regclass(:parent)"
            ),
            {"parent": PARENT, "most": SORT_MAX_ROWS},
        ).all()
    already = {name for name, is_sorted, _ in marks if is_sorted}
    too_big = {name for name, _, big in marks if big}
    for name in sorted(too_big - already):
        log.info("partitions: %s holds more than %d events: not sorted", name, SORT_MAX_ROWS)
    by_range = {p.range: p.name for p in found if p.range is not None and _ours(p.name)}
    skipped = already | too_big
    return [by_range[r] for r in to_sort(list(by_range), now, cutoff) if by_range[r] not in skipped]


def sort_partition(engine: Engine, partition: str) -> Sorted:
    """One partition rewritten in recipient order and swapped in for itself; what it took."""
    if not _ours(partition):
        raise ValueError("not a partition of events named by mailhook")
    copy, away = _renamed(partition, COPY_PREFIX), _renamed(partition, AWAY_PREFIX)
    with _maintenance(engine) as connection:
        if default_rows(connection) >= DEFAULT_ROWS_COUNTED:
            # ATTACH reads the default partition, under the lock, to check that it holds none of the day.
            raise SortAbandoned(f"the default partition holds {DEFAULT_ROWS_COUNTED} events or more")
        bounds = _bounds(connection, partition)
        columns = _columns(connection)
        parent_indexes = _parent_indexes(connection)
        plans = _index_plans(connection, partition, copy, away)
        _recipient_index(plans)  # before any work: a partition without it cannot be marked sorted
        reloptions = connection.scalar(
            text("SELECT reloptions FROM pg_class WHERE oid = to_regclass(:t)"), {"t": partition}
        )
        _exec(connection, f"DROP TABLE IF EXISTS {copy}")
        with_options = f" WITH ({', '.join(reloptions)})" if reloptions else ""
        _exec(connection, f"CREATE TABLE {copy} (LIKE {PARENT} INCLUDING DEFAULTS){with_options}")
    started = time.monotonic()
    since, deletions, rows = _copy_sorted(engine, partition, copy, columns)
    copied = time.monotonic()
    with _maintenance(engine) as connection:
        _build_indexes(connection, copy, plans, bounds)
        since, caught_up = _catch_up(connection, partition, copy, columns, since)
    indexed = time.monotonic()
    swap = Swap(partition, copy, away, plans, bounds, columns, parent_indexes, since, deletions)
    taken_over, swap_seconds = with_events_locked(
        engine,
        lambda connection: _swap(connection, swap),
        lambda wait: log.info("partitions: %s busy, swapping it again in %.0f s", partition, wait),
        SWAP_RETRY_SECONDS,
    )
    swapped = time.monotonic()
    _drop(engine, away)
    dropped = time.monotonic()
    result = Sorted(
        partition,
        rows,
        caught_up,
        taken_over,
        copied - started,
        indexed - copied,
        swap_seconds,
        dropped - swapped,
    )
    log.info(
        "partitions: %s sorted by recipient (%d events, %d stored meanwhile; copy %.1f s, indexes %.1f s, "
        "events locked %.3f s)", partition, rows, caught_up + taken_over, result.copy_seconds,
        result.index_seconds, swap_seconds,
    )  # fmt: skip
    return result


def drop_leftovers(engine: Engine) -> list[str]:
    """Tables a stopped run left outside `events` (an unfinished copy, a swapped-out partition): dropped."""
    with engine.connect() as connection:
        names = [
            name
            for name in connection.scalars(
                text(
                    "SELECT relname FROM pg_class WHERE relkind = 'r' AND NOT relispartition "
                    "AND relnamespace = current_schema()::regnamespace "
                    "AND (starts_with(relname, :copy) OR starts_with(relname, :away))"
                ),
                {"copy": COPY_PREFIX, "away": AWAY_PREFIX},
            )
            if _LEFT.fullmatch(name)
        ]
    for name in names:
        log.info("partitions: %s was left by a stopped sort: dropping it", name)
        _drop(engine, name)
    return names


def _ours(name: str) -> bool:
    return _OURS.fullmatch(name) is not None


def _renamed(partition: str, prefix: str) -> str:
    return prefix + partition[len(NAME_PREFIX) :]


@contextmanager
def _maintenance(engine: Engine) -> Iterator[Connection]:
    """An autocommit connection without the service's statement timeout (an index build of a day at volume
    takes longer), closed afterwards rather than handed back to the pool with the timeout lifted."""
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        # A concurrent index build waits for every older snapshot in the database, which counts as waiting
        # for a lock: the service's lock timeout would fail it whenever a long read was running.
        _exec(connection, "SET statement_timeout = 0")
        _exec(connection, "SET lock_timeout = 0")
        yield connection
    finally:
        connection.invalidate()
        connection.close()


def _exec(connection: Connection, statement: str) -> None:
    # DDL takes no parameters. Every name in these statements is a fixed prefix and digits (the partition's,
    # checked by sort_partition), made of one and a suffix of [a-z0-9_], or read from the catalog and quoted.
    connection.exec_driver_sql(statement)


def _bounds(connection: Connection, partition: str) -> Range:
    ranged = {p.name: p.range for p in partitions(connection) if p.range is not None}
    if partition not in ranged:
        raise LookupError(f"{partition} is not a ranged partition of {PARENT}")
    return ranged[partition]


def _columns(connection: Connection) -> list[str]:
    return list(
        connection.scalars(
            text(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:parent) "
                "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
            ),
            {"parent": PARENT},
        )
    )


def _index_plans(connection: Connection, partition: str, copy: str, away: str) -> list[IndexPlan]:
    rows = connection.execute(
        text(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid), con.contype FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid LEFT JOIN pg_constraint con "
            "ON con.conindid = x.indexrelid AND con.conrelid = x.indrelid AND con.contype IN ('p', 'u') "
            "WHERE x.indrelid = to_regclass(:p) ORDER BY i.relname"
        ),
        {"p": partition},
    ).all()
    plans = []
    for number, (name, definition, contype) in enumerate(rows):
        match = _INDEX_DEF.match(definition)
        if match is None:
            raise ValueError(f"unexpected index definition of {name}")
        unique, _, _, using = match.groups()
        # Postgres names a partition's indexes after it; any other name (one made by hand) is not reused.
        suffix = name[len(partition) :]
        if not _INDEX_SUFFIX.fullmatch(suffix):
            suffix = f"_{number}_idx"
        copy_name, away_name = copy + suffix, away + suffix
        plans.append(
            IndexPlan(
                name=name,
                copy_name=copy_name,
                away_name=away_name,
                definition=f"CREATE {unique or ''}INDEX CONCURRENTLY {copy_name} ON {copy} {using}",
                constraint={"p": "PRIMARY KEY", "u": "UNIQUE"}.get(contype or ""),
            )
        )
    return plans


def _copy_sorted(
    engine: Engine, partition: str, copy: str, columns: list[str]
) -> tuple[int, str | None, int]:
    """The partition's rows as one snapshot saw them, streamed into `copy` in recipient order in short write
    transactions; the snapshot's xmin, the version of the feed horizon's row it saw (every deletion of
    events writes that row: workers/ops/feed_horizon.py), and the rows copied."""
    listed = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    order = sql.SQL(", ").join(sql.Identifier(c) for c in SORT_ORDER)
    read = sql.SQL("COPY (SELECT {cols} FROM {part} ORDER BY {order}) TO STDOUT").format(
        cols=listed, part=sql.Identifier(partition), order=order
    )
    write = sql.SQL("COPY {copy} ({cols}) FROM STDIN").format(copy=sql.Identifier(copy), cols=listed)
    reader_fairy, writer_fairy = engine.raw_connection(), engine.raw_connection()
    try:
        reader, writer = reader_fairy.driver_connection, writer_fairy.driver_connection
        assert reader is not None and writer is not None
        with reader.transaction(), reader.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute(sql.SQL("SET LOCAL work_mem = {}").format(sql.Literal(SORT_WORK_MEM)))
            cursor.execute("SET LOCAL statement_timeout = 0")
            # The first query fixes the transaction's snapshot: the COPY below reads the same one.
            cursor.execute(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
                "(SELECT xmin::text FROM feed_horizon WHERE id = %s)",
                (HORIZON_ROW,),
            )
            since, deletions = cursor.fetchone() or (0, None)
            rows = _stream(cursor, writer, read, write)
        return int(since), deletions, rows
    finally:
        reader_fairy.invalidate()
        writer_fairy.invalidate()


def _stream(cursor: Any, writer: Any, read: sql.Composed, write: sql.Composed) -> int:
    rows = 0
    with cursor.copy(read) as source:
        items = iter(source)  # an item is one row of COPY text
        while batch := list(islice(items, COPY_BATCH)):
            with writer.transaction(), writer.cursor() as out_cursor, out_cursor.copy(write) as out:
                for row in batch:
                    out.write(row)
            rows += len(batch)
    return rows


def _build_indexes(connection: Connection, copy: str, plans: list[IndexPlan], bounds: Range) -> None:
    for plan in plans:
        _exec(connection, plan.definition)
        if plan.constraint is not None:
            _exec(connection, f"ALTER TABLE {copy} ADD CONSTRAINT {plan.copy_name} {plan.constraint} "
                              f"USING INDEX {plan.copy_name}")  # fmt: skip
    lower, upper = bounds.lower.isoformat(), bounds.upper.isoformat()
    _exec(
        connection,
        f"ALTER TABLE {copy} ADD CONSTRAINT {copy}_bounds CHECK (occurred_at IS NOT NULL AND "
        f"occurred_at >= '{lower}' AND occurred_at < '{upper}')",
    )
    _exec(connection, f"VACUUM (ANALYZE) {copy}")


def _swap(connection: Connection, swap: Swap) -> int:
    """Under the lock on `events` (with_events_locked)."""
    partition, copy = swap.partition, swap.copy
    deletions = connection.scalar(
        text("SELECT xmin::text FROM feed_horizon WHERE id = :id"), {"id": HORIZON_ROW}
    )
    if deletions != swap.deletions:
        raise SortAbandoned(f"events were deleted while {partition} was copied")
    if _columns(connection) != swap.columns or _parent_indexes(connection) != swap.parent_indexes:
        # ATTACH would build a new index of `events` on the copy here, under the lock, or fail.
        raise SortAbandoned(f"the schema of {PARENT} changed while {partition} was copied")
    # Stored into the partition since the last catch-up (_catch_up).
    taken = _take_over(connection, partition, copy, swap.columns, swap.since)
    _exec(connection, f"ALTER TABLE {PARENT} DETACH PARTITION {partition}")
    _exec(connection, f"ALTER TABLE {partition} RENAME TO {swap.away}")
    quote = connection.dialect.identifier_preparer.quote
    for plan in swap.plans:
        _exec(connection, f"ALTER INDEX {quote(plan.name)} RENAME TO {plan.away_name}")
    _exec(connection, f"ALTER TABLE {copy} RENAME TO {partition}")
    for plan in swap.plans:
        _exec(connection, f"ALTER INDEX {plan.copy_name} RENAME TO {quote(plan.name)}")
    lower, upper = swap.bounds.lower.isoformat(), swap.bounds.upper.isoformat()
    _exec(
        connection,
        f"ALTER TABLE {PARENT} ATTACH PARTITION {partition} FOR VALUES FROM ('{lower}') TO ('{upper}')",
    )
    _exec(connection, f"ALTER TABLE {partition} DROP CONSTRAINT {copy}_bounds")
    _exec(connection, f"ALTER TABLE {partition} CLUSTER ON {quote(_recipient_index(swap.plans))}")
    return int(taken)


def _catch_up(
    connection: Connection, partition: str, copy: str, columns: list[str], since: int
) -> tuple[int, int]:
    """The rows stored into the partition since the copy's snapshot (those with feed_xact >= `since`) copied
    over before the lock, so that the swap has only the last moments' to take; the xmin the swap goes on from,
    and the rows copied over.
    A transaction left open on the server for long keeps that xmin back: if the swap would then have many
    rows to look at under the lock, it is put off."""
    later = int(connection.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")) or 0)
    caught_up = _take_over(connection, partition, copy, columns, since)
    pending = connection.scalar(
        text(
            f"SELECT count(*) FROM (SELECT 1 FROM {partition} "  # noqa: S608 - a prefix and digits
            "WHERE feed_xact >= :later LIMIT :most) AS left_over"
        ),
        {"later": later, "most": SWAP_CATCH_UP_MAX},
    )
    if pending is not None and pending >= SWAP_CATCH_UP_MAX:
        raise SortAbandoned(f"a long-open transaction would leave {partition}'s swap too much to take over")
    return later, caught_up


def _take_over(connection: Connection, partition: str, copy: str, columns: list[str], since: int) -> int:
    """The partition's rows stored by transactions with ids of `since` or more, copied into `copy` unless it
    holds them already: the rows copied. Events are never updated (only stored and deleted), so a row the copy
    holds is the same row."""
    listed = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in columns)
    return int(
        connection.execute(
            text(
                f"INSERT INTO {copy} ({listed}) SELECT {listed} FROM {partition} "  # noqa: S608 - catalog names
                "WHERE feed_xact >= :since ON CONFLICT DO NOTHING"
            ),
            {"since": since},
        ).rowcount
    )


def _parent_indexes(connection: Connection) -> int:
    return int(
        connection.scalar(
            text("SELECT count(*) FROM pg_index WHERE indrelid = to_regclass(:parent)"), {"parent": PARENT}
        )
        or 0
    )


def _recipient_index(plans: list[IndexPlan]) -> str:
    for plan in plans:
        if re.search(r"\(recipient, occurred_at, id\)$", plan.definition):
            return plan.name
    raise LookupError("the partition has no (recipient, occurred_at, id) index")


def _drop(engine: Engine, table: str) -> None:
    with engine.begin() as connection:
        _exec(connection, f"DROP TABLE IF EXISTS {table}")


@shared_task(name=SORT_PARTITIONS, bind=True, ignore_result=True, time_limit=SORT_TIME_LIMIT_SECONDS,
             soft_time_limit=SORT_TIME_LIMIT_SECONDS - 60)  # fmt: skip
def sort_partitions(self: Any) -> int:
    """Beat, hourly: the newest closed partition not yet sorted, in every database; the number sorted."""
    settings = task_settings(self.app)
    now = datetime.now(UTC)
    cutoff, done, failures = cutoff_for(settings.retention_days, now), 0, list[Exception]()
    for store in stores(settings):
        try:
            done += len(_sort_store(engine_for_url(store.url), now, cutoff, settings.sort_partitions))
        except SortAbandoned as exc:
            log.info("partitions: %s (%s database); a later run sorts it", exc, store.name)
        except Exception as exc:  # the next database all the same; the task fails at the end
            log.warning("partitions: sorting in the %s database failed: %s", store.name, type(exc).__name__)
            failures.append(exc)
    if failures:
        raise failures[0]
    return done


def _sort_store(engine: Engine, now: datetime, cutoff: datetime, enabled: bool) -> list[Sorted]:
    # Under a lease: two runs copying the same partition would each build a copy of the same name.
    limit = 1 if enabled else 0  # turned off, a run still drops what a stopped one left
    return run_alone(engine, SORT_PARTITIONS, lambda: sort_next(engine, now, cutoff, limit), SORT_LEASE) or []
