"""The scale benchmark's database: N events across DAYS daily partitions of `events`, loaded by COPY once
and kept (`mh_scale_<N>`), so that a rerun measures without loading again.

The schema is the migrations' own: the database is made by the migrations, and the days' partitions by
app/core/partitions.py as beat makes them. For the load only, the table's keys and indexes are dropped and
built again after the COPY, from the very definitions the catalog held before; the loader then checks that
the catalog shows exactly what it showed before, partition by partition. A marker table, written last, says
the load is complete: a database without it is loaded again from scratch.

The rows are made by Postgres (generate_series) and streamed by COPY ... TO STDOUT on one connection into
COPY ... FROM STDIN on another: the server parses every row as it parses a client's COPY, and no Python runs
per row. Row n of N falls at first_day + n/N of the DAYS days, so ids rise with time as in production and
each day holds N/DAYS rows; recipients, message ids and domains follow bench/query.py's scheme.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

import psycopg
from psycopg import sql

from bench.procs import PG_ADMIN_URL
from bench.query import DOMAINS, RECIPIENTS

DAYS = 60
MARKER = "bench_scale_loaded"
# Index builds sort in memory up to this much per build (the server's default is 64 MB).
BUILD_MEMORY = "1GB"
LOAD_STREAMS = 2
COLUMNS = (
    "mailgun_event_id, occurred_at, received_at, event, severity, type, region, domain, recipient, "
    "message_id, tags, user_variables, reason, delivery_status, url, ip, source, payload"
)
# The shape of a stored Mailgun event, small: delivered and failed ones carry a delivery status, opens and
# clicks an IP, clicks a URL. The payload is an abridged event (about 150 bytes; Mailgun's run to 1-2 KB,
# which would put 50 M rows past the disk of the machine the README's figures come from).
ROWS_SQL = """
SELECT 'scale-' || n, t, t + interval '2 seconds',
       (ARRAY['delivered','opened','clicked','failed','accepted'])[1 + n % 5],
       CASE WHEN n % 5 = 3 THEN 'permanent' END,
       (ARRAY['delivered','opened','clicked','bounced','queued'])[1 + n % 5],
       CASE WHEN n % 4 = 0 THEN 'eu' ELSE 'us' END,
       'd' || (n % {domains}) || '.example.com',
       'user' || (n % {recipients}) || '@example.org',
       'msg-' || (n / 3) || '@mail.example.com',
       '["bench"]', '{{}}',
       CASE WHEN n % 5 = 3 THEN 'bounce' END,
       CASE WHEN n % 5 IN (0, 3) THEN '{{"code": 250, "message": "OK", "attempt-no": 1}}' END,
       CASE WHEN n % 5 = 2 THEN 'https://example.com/p/' || (n % 1000) END,
       CASE WHEN n % 5 IN (1, 2) THEN '203.0.113.' || (n % 250) END,
       'webhook',
       format('{{"event": "%s", "id": "scale-%s", "timestamp": %s, "recipient": "user%s@example.org"}}',
              (ARRAY['delivered','opened','clicked','failed','accepted'])[1 + n % 5], n,
              extract(epoch FROM t), n % {recipients})
FROM (SELECT n, {first} + div(n::numeric * {span_us}, {rows})::bigint * interval '1 microsecond' AS t
      FROM generate_series({lo}::bigint, {hi}::bigint) AS n) AS s
"""


@dataclass(frozen=True)
class Loaded:
    url: str
    rows: int
    days: int
    first_day: datetime
    load_seconds: float | None  # None: kept from an earlier run
    max_id: int  # the greatest id the load stored: rows past it are the benchmark's own


def database_name(rows: int) -> str:
    return f"mh_scale_{rows}"


def database_url(rows: int) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database_name(rows)}"


def ensure_loaded(rows: int, days: int = DAYS, *, indexes_after: bool = True) -> Loaded:
    """The kept database of `rows` events when complete; else made and loaded now (minutes at 50 M)."""
    url = database_url(rows)
    kept = _marker(url, rows, days)
    if kept is not None:
        return kept
    drop_database(rows)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database_name(rows)}"')
    from app.core import migrate

    migrate.upgrade(url)
    first_day = _first_day(days)
    _create_partitions(url, first_day, days)
    started = time.perf_counter()
    if indexes_after:
        _load_then_index(url, rows, days, first_day)
    else:
        _load_days(url, rows, days, first_day)
    seconds = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE events")
        conn.execute(
            f"CREATE TABLE {MARKER} (rows bigint NOT NULL, days int NOT NULL, "
            "first_day timestamptz NOT NULL, load_seconds double precision NOT NULL, "
            "loaded_at timestamptz NOT NULL DEFAULT now())"
        )
        marked = f"INSERT INTO {MARKER} VALUES (%s, %s, %s, %s)"  # noqa: S608 (a constant name)
        conn.execute(marked, (rows, days, first_day, seconds))
    return Loaded(url, rows, days, first_day, round(seconds, 1), _max_id(url))


def drop_database(rows: int) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database_name(rows)}" WITH (FORCE)')


def day_rows(day: int, rows: int, days: int) -> tuple[int, int]:
    """The first and last n of the rows that fall on `day` (0: the oldest), by the generator's division."""
    first = -(-day * rows // days)
    return first, -(-(day + 1) * rows // days) - 1


def copy_rows(url: str, rows: int, days: int, first_day: datetime, lo: int, hi: int) -> None:
    """Rows lo..hi of the generator, COPYed into `events` (routed to their partitions) in one transaction."""
    select = sql.SQL(ROWS_SQL).format(
        domains=DOMAINS,
        recipients=RECIPIENTS,
        first=sql.Literal(first_day),
        span_us=days * 86_400_000_000,
        rows=rows,
        lo=lo,
        hi=hi,
    )
    with psycopg.connect(url) as source, psycopg.connect(url) as target:
        out_sql = sql.SQL("COPY ({}) TO STDOUT").format(select)
        in_sql = sql.SQL("COPY events ({}) FROM STDIN").format(sql.SQL(COLUMNS))
        with source.cursor().copy(out_sql) as out, target.cursor().copy(in_sql) as into:
            for block in out:
                into.write(block)
        target.commit()


def _first_day(days: int) -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days - 1)


def _create_partitions(url: str, first_day: datetime, days: int) -> None:
    from app.core.db import engine_for_url
    from app.core.partition_periods import DAILY, periods_between
    from app.core.partitions import create_partitions

    # One day at a time: asked for a longer range, create_partitions makes one partition per gap.
    with engine_for_url(url).begin() as connection:
        for day in periods_between(first_day, first_day + timedelta(days=days), DAILY):
            create_partitions(connection, day, DAILY)


def _load_days(url: str, rows: int, days: int, first_day: datetime) -> None:
    """Day by day, a transaction each, LOAD_STREAMS days at a time (one stream leaves a core idle while the
    server parses what the other generated)."""
    started, done = time.perf_counter(), []

    def load(day: int) -> None:
        lo, hi = day_rows(day, rows, days)
        copy_rows(url, rows, days, first_day, lo, hi)
        done.append(hi - lo + 1)
        if rows >= 1_000_000:
            rate = sum(done) / (time.perf_counter() - started)
            print(f"scale load: {len(done)}/{days} days, {sum(done)} rows, {rate:.0f} rows/s", flush=True)

    with ThreadPoolExecutor(LOAD_STREAMS) as pool:
        list(pool.map(load, range(days)))


def _load_then_index(url: str, rows: int, days: int, first_day: datetime) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        before = _catalog(conn)
        keys, indexes = _keys(conn), _indexes(conn)
        conn.execute(sql.SQL("ALTER TABLE events {}").format(_joined("DROP CONSTRAINT {}", keys)))
        for name, _definition in indexes:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    _load_days(url, rows, days, first_day)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
        for name, definition in keys:
            started = time.perf_counter()
            conn.execute(f'ALTER TABLE events ADD CONSTRAINT "{name}" {definition}')  # type: ignore[arg-type]
            _built(name, started, rows)
        for name, definition in indexes:
            started = time.perf_counter()
            # The catalog writes a partitioned index as ON ONLY (the parent's alone); built without ONLY, it
            # is built on every partition too and attached, as the migration's were.
            conn.execute(definition.replace(" ON ONLY ", " ON ", 1))  # type: ignore[arg-type]
            _built(name, started, rows)
        after = _catalog(conn)
    if after != before:
        missing, extra = sorted(set(before) - set(after)), sorted(set(after) - set(before))
        raise AssertionError(
            f"the rebuilt schema differs from the migrations': missing {missing}, extra {extra}"
        )


def _built(name: str, started: float, rows: int) -> None:
    if rows >= 1_000_000:
        print(f"scale load: {name} built in {time.perf_counter() - started:.0f} s", flush=True)


def _joined(template: str, pairs: list[tuple[str, str]]) -> sql.Composable:
    return sql.SQL(", ").join(sql.SQL(template).format(sql.Identifier(name)) for name, _ in pairs)


def _keys(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    """The parent's primary and unique keys, as (name, definition), the primary key first."""
    return _pairs(
        conn,
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'events'::regclass AND contype IN ('p', 'u') ORDER BY contype, conname",
    )


def _indexes(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    """The parent's other indexes, as (name, CREATE INDEX statement)."""
    return _pairs(
        conn,
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = 'events'::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY 1",
    )


def _pairs(conn: psycopg.Connection[Any], query: LiteralString) -> list[tuple[str, str]]:
    """A catalog query's (name, definition) rows, as text."""
    return [(str(name), str(definition)) for name, definition in conn.execute(query).fetchall()]


def _catalog(conn: psycopg.Connection[Any]) -> list[tuple[str, ...]]:
    """Every index and key of `events` and of each partition: table, name, definition, parent index."""
    index_sql = (
        "SELECT t.relname, i.relname, pg_get_indexdef(i.oid), coalesce(p.relname, '') FROM pg_index x "
        "JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid "
        "LEFT JOIN pg_inherits h ON h.inhrelid = x.indexrelid LEFT JOIN pg_class p ON p.oid = h.inhparent "
        "WHERE x.indrelid = 'events'::regclass "
        "OR x.indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'events'::regclass)"
    )
    key_sql = (
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype::text "
        "FROM pg_constraint WHERE conrelid = 'events'::regclass "
        "OR conrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'events'::regclass)"
    )
    indexes = conn.execute(index_sql).fetchall()
    keys = conn.execute(key_sql).fetchall()
    return sorted(tuple(str(v) for v in row) for row in [*indexes, *keys])


def _marker(url: str, rows: int, days: int) -> Loaded | None:
    try:
        with psycopg.connect(url) as conn:
            found = conn.execute(
                "SELECT first_day FROM bench_scale_loaded WHERE rows = %s AND days = %s", (rows, days)
            ).fetchone()
    except psycopg.Error:  # no such database, or no marker: not (completely) loaded
        return None
    if found is None:
        return None
    return Loaded(url, rows, days, found[0].astimezone(UTC), None, _max_id(url))


def _max_id(url: str) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])  # type: ignore[index]
