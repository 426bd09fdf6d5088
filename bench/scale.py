"""Scale benchmark: `events` at volume (by default 50,000,000 rows over 60 daily partitions, loaded by
bench/scale_load.py), measured as production would meet it, with every closed day rewritten in recipient
order by beat's own job (workers/ops/partition_sort.py), as production has them a day after they close:

- the list endpoints filtered by recipient, by message id and by domain + time range, answered by the real web
  process (p50/p99), and the plans Postgres chose for them, with the partitions each plan reads;
- the drain's rate (the real Celery worker) into this table against its rate into an empty one;
- one day's partition dropped by retention's own code (detach + drop) against retention's batched DELETE of
  the same rows, in the same run: the time of each and what each leaves behind (pgstattuple).

The loaded database is kept between runs (its load takes most of an hour at 50 M); what a run adds to it, it
takes away again, and the day it drops and deletes is loaded back, so the next run meets the same table.
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.loadgen import signed_delivery
from bench.pipeline import _drain, _fill_inbox
from bench.procs import BENCH_KEY, celery_worker, free_port, gunicorn, service_env, throwaway_database
from bench.query import DOMAINS, RECIPIENTS, _measure, _plans
from bench.scale_load import Loaded, copy_rows, day_rows, drop_database, ensure_loaded

FULL_ROWS = 50_000_000
PLANS_DIR = Path("var") / "bench"
# The domain + time plan's range: a week, three weeks after the first day (any week inside the data would do).
PLAN_WEEK_START_DAY, PLAN_WEEK_DAYS = 20, 7
_PARTITION = re.compile(r"\bon (events_(?:p\d+|default))\b")


def run(
    rows: int = FULL_ROWS,
    requests: int = 200,
    drain_rows: int = 100_000,
    concurrency: int = 2,
    keep: bool = True,
) -> dict[str, Any]:
    loaded = ensure_loaded(rows)
    sorting = sort_closed_days(loaded)
    # A fresh sample of lookups each run: the same addresses run after run would find their table pages
    # kept in memory by the last run, and the loaded table is kept between runs.
    seed = random.SystemRandom().randrange(2**32)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            endpoints = _endpoints(loaded, requests, Path(tmp), seed)
            plans = _plans(loaded.url, _cases(loaded))
            pruning = {name: _pruning(plan, loaded, name) for name, plan in plans.items()}
            drain = _drain_rates(loaded, drain_rows, concurrency, Path(tmp))
        retention = _drop_against_delete(loaded)
        database_bytes = _database_bytes(loaded.url)
    finally:
        from app.core.db import dispose_engines

        dispose_engines()
        if not keep:
            drop_database(rows)
    return {
        "rows": rows,
        "days": loaded.days,
        "database": loaded.url.rsplit("/", 1)[1],
        "database_gib": round(database_bytes / 2**30, 1),
        "load_seconds": loaded.load_seconds,  # None: the database was kept from an earlier run
        "sorting": sorting,
        "endpoints": endpoints,
        "lookup_seed": seed,
        "pruning": pruning,
        "plans": plans,
        "plans_file": str(_save_plans(plans)),
        "drain": drain,
        "retention": retention,
    }


def sort_closed_days(loaded: Loaded) -> dict[str, Any]:
    """Every closed day rewritten in recipient order by beat's own job (workers/ops/partition_sort.py), as
    production has them a day after they close: today and yesterday stay as loaded. The retention cutoff is
    put before the data so that the job takes every day (the benchmark keeps 60 days). Days an earlier run
    sorted are skipped; the day the retention measurement loads again is sorted again."""
    from app.core.db import engine_for_url
    from workers.ops.partition_sort import sort_next

    engine = engine_for_url(loaded.url)
    now, cutoff = datetime.now(UTC), loaded.first_day - timedelta(days=2)
    done = []
    while batch := sort_next(engine, now, cutoff):
        done += batch
        print(f"scale sort: {batch[0].partition} in {sum(_sort_seconds(s) for s in batch):.1f} s", flush=True)
    if not done:
        return {"days_sorted": 0}
    seconds = sorted(_sort_seconds(s) for s in done)
    locked = sorted(s.swap_seconds for s in done)
    return {
        "days_sorted": len(done),
        "seconds_per_day_median": round(seconds[len(seconds) // 2], 1),
        "seconds_per_day_max": round(seconds[-1], 1),
        "events_locked_seconds_median": round(locked[len(locked) // 2], 3),
        "events_locked_seconds_max": round(locked[-1], 3),
    }


def _sort_seconds(done: Any) -> float:
    return float(done.copy_seconds + done.index_seconds + done.swap_seconds + done.drop_seconds)


def _endpoints(loaded: Loaded, requests: int, tmp: Path, seed: int) -> dict[str, dict[str, float]]:
    metrics = tmp / "web-metrics"
    metrics.mkdir()
    env = service_env(loaded.url, PROMETHEUS_MULTIPROC_DIR=str(metrics))
    port = free_port()
    web = gunicorn("app.web.wsgi:app", port, env, tmp / "web.log")
    try:
        return _measure(f"http://127.0.0.1:{port}", _queries(loaded, seed), requests)
    finally:
        web.stop()


def _queries(loaded: Loaded, seed: int) -> dict[str, Any]:
    """Each list filter with random values inside the data; domain + time over 1 to 7 whole days."""
    rng, first = random.Random(seed), int(loaded.first_day.timestamp())

    def domain_and_time() -> dict[str, Any]:
        days = rng.randint(1, 7)
        since = first + 86400 * rng.randrange(loaded.days - days + 1)
        return {
            "domain": f"d{rng.randrange(DOMAINS)}.example.com",
            "since": since,
            "until": since + 86400 * days,
        }

    return {
        "recipient": lambda: {"recipient": f"user{rng.randrange(RECIPIENTS)}@example.org"},
        "message_id": lambda: {
            "message_id": f"msg-{rng.randrange(max(loaded.rows // 3, 1))}@mail.example.com"
        },
        "domain+time": domain_and_time,
    }


def _plan_week(loaded: Loaded) -> tuple[datetime, datetime]:
    start = loaded.first_day + timedelta(days=min(PLAN_WEEK_START_DAY, loaded.days - PLAN_WEEK_DAYS))
    return start, start + timedelta(days=PLAN_WEEK_DAYS)


def _cases(loaded: Loaded) -> dict[str, Any]:
    """The endpoint's own conditions (app/api/events.py) for one request of each kind."""
    from app.api.events import event_conditions

    since, until = _plan_week(loaded)
    args = {
        "recipient": {"recipient": "user42@example.org"},
        "message_id": {"message_id": "msg-4242@mail.example.com"},
        "domain+time": {"domain": "d3.example.com", "since": since.isoformat(), "until": until.isoformat()},
    }
    return {name: event_conditions(value, "postgresql") for name, value in args.items()}


def _pruning(plan: str, loaded: Loaded, name: str) -> dict[str, int]:
    """The partitions in the plan and those it read (a partition after the page's last row is in the plan
    but never executed), against those the request's time range needs (all without one)."""
    planned = set(_PARTITION.findall(plan))
    read = {
        found
        for line in plan.splitlines()
        if "never executed" not in line
        for found in _PARTITION.findall(line)
    }
    needed = PLAN_WEEK_DAYS if name == "domain+time" else _partition_count(loaded.url)
    return {
        "partitions_planned": len(planned),
        "partitions_read": len(read),
        "partitions_needed": needed,
        "partitions_in_table": _partition_count(loaded.url),
    }


def _partition_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return int(
            conn.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass").fetchone()[
                0
            ]  # type: ignore[index]
        )


def _save_plans(plans: dict[str, str]) -> Path:
    PLANS_DIR.mkdir(parents=True, exist_ok=True)
    path = PLANS_DIR / f"scale-plans-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    path.write_text("".join(f"--- {name}\n{plan}\n\n" for name, plan in plans.items()))
    return path


def _drain_rates(loaded: Loaded, rows: int, concurrency: int, tmp: Path, rounds: int = 2) -> dict[str, Any]:
    """The worker's drain rate into the loaded table and into an empty one, alternately, best round each."""
    full, empty = [], []
    with throwaway_database("mh_scale_empty") as empty_url:
        for round_ in range(rounds):
            empty.append(_drain_once(empty_url, 0, rows, concurrency, tmp / f"empty-{round_}"))
            full.append(_drain_once(loaded.url, loaded.max_id, rows, concurrency, tmp / f"full-{round_}"))
    best_full, best_empty = max(full), max(empty)
    return {
        "rows": rows,
        "into_loaded_per_second": [round(rate) for rate in full],
        "into_empty_per_second": [round(rate) for rate in empty],
        "ratio": round(best_full / best_empty, 3),
        "current_partition_rows": _current_partition_rows(loaded.url),
    }


def _drain_once(url: str, after_id: int, rows: int, concurrency: int, tmp: Path) -> float:
    """One drain of `rows` fresh deliveries; the events it stored are deleted again afterwards."""
    tmp.mkdir()
    _fill_inbox(url, [signed_delivery(BENCH_KEY) for _ in range(rows)])
    env = service_env(url, PROMETHEUS_MULTIPROC_DIR=str(tmp))
    worker = celery_worker(env, tmp / "worker.log", concurrency=concurrency)
    try:
        drained = _drain(url, env, rows, concurrency, stored_after_id=after_id)
    finally:
        worker.stop()
    if drained.stored != rows:
        raise AssertionError(f"the drain stored {drained.stored} events of {rows}")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM events WHERE id > %s", (after_id,))
        conn.execute("TRUNCATE inbox")
        conn.execute(f"VACUUM ANALYZE {_current_partition(conn)}")  # type: ignore[arg-type]
    return drained.rate


def _current_partition(conn: psycopg.Connection[Any]) -> str:
    from app.core.partition_periods import DAILY, partition_name, period_start

    return partition_name(period_start(datetime.now(UTC), DAILY), DAILY)


def _current_partition_rows(url: str) -> int:
    with psycopg.connect(url) as conn:
        name = _current_partition(conn)
        return int(conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0])  # type: ignore[arg-type, index]  # noqa: S608


def _drop_against_delete(loaded: Loaded) -> dict[str, Any]:
    """The oldest day's rows deleted in retention's batches, loaded again, then dropped with their partition
    by retention's partition drop, and loaded once more (a partition made as beat makes them)."""
    from sqlalchemy import true

    from app.core.db import engine_for_url
    from app.core.models.events import Event
    from app.core.partition_periods import DAILY
    from app.core.partitions import create_partitions, partitions
    from workers.ops.partition_drop import drop_expired_partitions
    from workers.ops.retention import PURGE_BATCH, Target, _purge_table

    engine = engine_for_url(loaded.url)
    with engine.connect() as connection:
        oldest = partitions(connection)[0]
    assert oldest.range is not None and oldest.range.lower == loaded.first_day, oldest
    lo, hi = day_rows(0, loaded.rows, loaded.days)
    with psycopg.connect(loaded.url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        before = _footprint(conn, oldest.name)
    events = Target(Event.__table__, Event.occurred_at, true())
    started = time.perf_counter()
    purged = _purge_table(engine, events, oldest.range.upper, PURGE_BATCH, None)
    delete_seconds = time.perf_counter() - started
    with psycopg.connect(loaded.url, autocommit=True) as conn:
        after_delete = _footprint(conn, oldest.name)
        conn.execute(f"TRUNCATE {oldest.name}")  # type: ignore[arg-type]
    _reload_day(loaded, oldest.name, lo, hi)
    database_before = _database_bytes(loaded.url)
    with _time_locked(engine) as locked:
        started = time.perf_counter()
        dropped = drop_expired_partitions(engine, oldest.range.upper)
        drop_seconds = time.perf_counter() - started
    with psycopg.connect(loaded.url, autocommit=True) as conn:
        left = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (oldest.name,)).fetchone()[0]  # type: ignore[index]
    freed = database_before - _database_bytes(loaded.url)
    with engine.begin() as connection:
        create_partitions(connection, oldest.range, DAILY)
    _reload_day(loaded, oldest.name, lo, hi)
    return {
        "day_rows": hi - lo + 1,
        "partition_before": before,
        "delete": {
            "rows": purged.rows,
            "batches": purged.batches,
            "seconds": round(delete_seconds, 2),
            "after": after_delete,
            "bloat_mib": round((after_delete["total_bytes"] - after_delete["live_bytes"]) / 2**20, 1),
        },
        "drop": {
            "partitions": dropped.partitions,
            "seconds": round(drop_seconds, 3),
            # What the service feels: how long `events` itself was locked (from the LOCK to its commit).
            "events_locked_seconds": round(sum(locked), 3),
            "partition_left": bool(left),
            "freed_mib": round(freed / 2**20, 1),
            "bloat_mib": 0.0 if not left else None,
        },
    }


@contextmanager
def _time_locked(engine: Any) -> Iterator[list[float]]:
    """The seconds from each `LOCK TABLE [ONLY] events` the engine sends to the commit that releases it."""
    from sqlalchemy import event

    spans: list[float] = []
    since: list[float] = []

    def sent(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith(("LOCK TABLE events", "LOCK TABLE ONLY events")):
            since.append(time.perf_counter())

    def committed(conn: Any) -> None:
        if since:
            spans.append(time.perf_counter() - since.pop())

    event.listen(engine, "before_cursor_execute", sent)
    event.listen(engine, "commit", committed)
    try:
        yield spans
    finally:
        event.remove(engine, "before_cursor_execute", sent)
        event.remove(engine, "commit", committed)


def _reload_day(loaded: Loaded, partition: str, lo: int, hi: int) -> None:
    copy_rows(loaded.url, loaded.rows, loaded.days, loaded.first_day, lo, hi)
    with psycopg.connect(loaded.url, autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {partition}")  # type: ignore[arg-type]


def _footprint(conn: psycopg.Connection[Any], partition: str) -> dict[str, int]:
    """A partition's size, and (pgstattuple, exact) its live and dead rows and the bytes they take."""
    sizes = conn.execute(
        "SELECT pg_relation_size(%s), pg_indexes_size(%s), pg_total_relation_size(%s)", (partition,) * 3
    ).fetchone()
    stats = conn.execute(
        "SELECT tuple_count, tuple_len, dead_tuple_count, dead_tuple_len, free_space FROM pgstattuple(%s)",
        (partition,),
    ).fetchone()
    assert sizes is not None and stats is not None
    return {
        "heap_bytes": int(sizes[0]),
        "index_bytes": int(sizes[1]),
        "total_bytes": int(sizes[2]),
        "live_rows": int(stats[0]),
        "live_bytes": int(stats[1]),
        "dead_rows": int(stats[2]),
        "dead_bytes": int(stats[3]),
        "free_bytes": int(stats[4]),
    }


def _database_bytes(url: str) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])  # type: ignore[index]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=FULL_ROWS)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--drain-rows", type=int, default=100_000)
    parser.add_argument(
        "--load-only", action="store_true", help="load (or find loaded), sort closed days, measure nothing"
    )
    parser.add_argument("--drop", action="store_true", help="drop the loaded database at the end")
    args = parser.parse_args()
    if args.load_only:
        print(ensure_loaded(args.rows), sort_closed_days(ensure_loaded(args.rows)))
    else:
        outcome = run(args.rows, args.requests, args.drain_rows, keep=not args.drop)
        plans = outcome.pop("plans")
        print(outcome)
        for name, plan in plans.items():
            print(f"--- {name}\n{plan}")
