"""Pipeline benchmark: N pending inbox rows drained by the real Celery worker, against a plain COPY of
the same events into the same table, in the same run."""

from __future__ import annotations

import argparse
import json
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bench.loadgen import signed_delivery
from bench.procs import BENCH_KEY, celery_worker, service_env, throwaway_database
from workers.events.normalize import normalize_webhook_json

EVENT_COLUMNS = (
    "mailgun_event_id",
    "occurred_at",
    "event",
    "severity",
    "type",
    "region",
    "domain",
    "recipient",
    "message_id",
    "tags",
    "user_variables",
    "reason",
    "delivery_status",
    "url",
    "ip",
    "client_info",
    "geolocation",
    "mailing_list",
    "storage_url",
    "source",
    "payload",
)
JSON_COLUMNS = {
    "tags",
    "user_variables",
    "delivery_status",
    "client_info",
    "geolocation",
    "mailing_list",
    "payload",
}


def run(rows: int = 100_000, concurrency: int = 2) -> dict[str, Any]:
    bodies = [signed_delivery(BENCH_KEY) for _ in range(rows)]
    with tempfile.TemporaryDirectory() as tmp, throwaway_database("mailhook_bench_pipeline") as url:
        copy_seconds = _copy_baseline(url, bodies)
        _fill_inbox(url, bodies)
        env = service_env(url, PROMETHEUS_MULTIPROC_DIR=tmp)
        worker = celery_worker(env, Path(tmp) / "worker.log", concurrency=concurrency)
        try:
            drained = _drain(url, env, rows, concurrency)
            rss = worker.tree_peak_rss_kib()
        finally:
            worker.stop()
    drain_rate, copy_rate = drained.rate, rows / copy_seconds
    return {
        "rows": rows,
        "stored": drained.stored,
        "drain_seconds": round(drained.seconds, 2),
        "events_per_second": round(drain_rate),
        "copy_seconds": round(copy_seconds, 2),
        "copy_rows_per_second": round(copy_rate),
        "ratio": round(drain_rate / copy_rate, 3),
        "worker_peak_rss_mib": round(max(rss.values()) / 1024, 1),
    }


def memory(rows: int = 1_000_000, concurrency: int = 2) -> dict[str, Any]:
    """Worker RSS while it drains `rows` events, sampled at each tenth: flat if it stops growing."""
    bodies = [signed_delivery(BENCH_KEY) for _ in range(rows)]
    with tempfile.TemporaryDirectory() as tmp, throwaway_database("mailhook_bench_memory") as url:
        _fill_inbox(url, bodies)
        del bodies
        env = service_env(url, PROMETHEUS_MULTIPROC_DIR=tmp)
        worker = celery_worker(env, Path(tmp) / "worker.log", concurrency=concurrency)
        samples: dict[int, float] = {}

        def sample(done: int) -> None:
            tenth = done * 10 // rows
            if tenth not in samples:
                samples[tenth] = max(worker.tree_rss_kib().values()) / 1024

        try:
            drained = _drain(url, env, rows, concurrency, on_progress=sample)
        finally:
            worker.stop()
    first, last = samples[min(k for k in samples if k >= 1)], samples[max(samples)]
    return {
        "rows": rows,
        "stored": drained.stored,
        "drain_seconds": round(drained.seconds, 1),
        "rss_mib_by_tenth": {str(k): round(v, 1) for k, v in sorted(samples.items())},
        "rss_growth": round(last / first - 1, 3),  # from the first tenth (warmed up) to the end
    }


def _copy_baseline(url: str, bodies: list[str]) -> float:
    """COPY the already-normalized events (normalizing is not timed), then empty the table again."""
    events = [normalize_webhook_json(json.loads(b), domain_regions={}).as_row() for b in bodies]
    records = [[Jsonb(e[c]) if c in JSON_COLUMNS else e[c] for c in EVENT_COLUMNS] for e in events]
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        with conn.cursor().copy(f"COPY events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for record in records:
                copy.write_row(record)
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("TRUNCATE events")
    return seconds


def _fill_inbox(url: str, bodies: list[str]) -> None:
    now = datetime.now(UTC)
    with (
        psycopg.connect(url) as conn,
        conn.cursor().copy(
            "COPY inbox (token, kind, route, content_type, body, headers, signed_at) FROM STDIN"
        ) as copy,
    ):
        for body in bodies:
            copy.write_row(
                [
                    secrets.token_hex(25),
                    "webhook",
                    "webhooks",
                    "application/json",
                    body.encode(),
                    Jsonb({}),
                    now,
                ]
            )


START_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Drained:
    seconds: float  # from the first committed batch to the last
    rows: int  # drained in those seconds
    stored: int  # events in the table at the end

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def _drain(
    url: str,
    env: dict[str, str],
    rows: int,
    concurrency: int,
    on_progress: Callable[[int], None] | None = None,
    stored_after_id: int = 0,
) -> Drained:
    from celery import Celery

    from app.core.broker import celery_config
    from app.core.settings import load_settings
    from app.core.task_names import DRAIN_INBOX, QUEUE_INBOX

    client = Celery("bench")
    client.conf.update(celery_config(load_settings(env)))
    sent = time.perf_counter()
    for _ in range(concurrency):
        client.send_task(DRAIN_INBOX, queue=QUEUE_INBOX)
    with psycopg.connect(url, autocommit=True) as conn:
        # The clock starts at the first committed batch, not at the send: the worker's own start (a second
        # or two of imports and connections) is not draining, as the COPY baseline's connect is not copying.
        while (pending := _pending(conn)) == rows:
            if time.perf_counter() - sent > START_TIMEOUT_SECONDS:
                raise TimeoutError("the worker drained nothing: see its log")
            time.sleep(0.01)
        started, drained_before = time.perf_counter(), rows - pending
        if not pending:  # a small run drained in its first batches: time it from the send
            started, drained_before = sent, 0
        while pending:
            if on_progress is not None:
                on_progress(rows - pending)
            time.sleep(0.05)
            pending = _pending(conn)
        if on_progress is not None:
            on_progress(rows)
        seconds = time.perf_counter() - started
        # Only the events stored past the table's greatest id before the run: counting a large table whole
        # would take longer than the drain did.
        stored = conn.execute("SELECT count(*) FROM events WHERE id > %s", (stored_after_id,)).fetchone()[0]  # type: ignore[index]
    return Drained(seconds, rows - drained_before, int(stored))


def _pending(conn: psycopg.Connection[Any]) -> int:
    return int(conn.execute("SELECT count(*) FROM inbox WHERE status = 'pending'").fetchone()[0])  # type: ignore[index]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    print(run(args.rows, args.concurrency))
