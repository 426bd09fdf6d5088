"""Push benchmark: N events pushed by the real Celery worker to a local receiver (bench/receiver.py), against
the drain's own rate for the same events, by the same worker, in the same run.

The drain stores N signed webhooks from the inbox (timed as the pipeline benchmark times it); then one
subscription starting at the feed's beginning is handed out by the push task, and the time from the first
batch received to the last is the push rate (batches of 100, each signed, each the next only after a 2xx).
The target is a ratio of at least 1: one subscriber keeps up with what the drain stores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from app.core.webhook_signing import new_secret
from bench.loadgen import signed_delivery
from bench.pipeline import _drain, _fill_inbox
from bench.procs import BENCH_KEY, celery_worker, service_env, throwaway_database
from bench.receiver import Receiver, receiving

SUBSCRIBE_SQL = """
INSERT INTO push_subscriptions (url, signing_secret, status, cursor_xact, cursor_id)
VALUES (%s, %s, 'active', 0, 0)
"""
PUSH_TIMEOUT_SECONDS = 600
BEAT_SECONDS = 5.0


def run(rows: int = 100_000, concurrency: int = 2) -> dict[str, Any]:
    bodies = [signed_delivery(BENCH_KEY) for _ in range(rows)]
    with tempfile.TemporaryDirectory() as tmp, throwaway_database("mailhook_bench_push") as url:
        _fill_inbox(url, bodies)
        env = service_env(url, PROMETHEUS_MULTIPROC_DIR=tmp)
        worker = celery_worker(env, Path(tmp) / "worker.log", concurrency=concurrency)
        try:
            drained = _drain(url, env, rows, concurrency)
            with receiving(Receiver()) as receiver:
                seconds = _push(url, env, receiver, rows)
        finally:
            worker.stop()
    pushed = len(receiver.items())
    push_rate = pushed / seconds
    return {
        "rows": rows,
        "pushed": pushed,
        "batches": len(receiver.requests),
        "exactly_once": sorted(i["id"] for i in receiver.items()) == list(range(1, rows + 1)),
        "push_seconds": round(seconds, 2),
        "push_items_per_second": round(push_rate),
        "drain_events_per_second": round(drained.rate),
        "ratio": round(push_rate / drained.rate, 3),
    }


def _push(url: str, env: dict[str, str], receiver: Receiver, rows: int) -> float:
    """Seconds from the first batch received to the last, once every event has arrived."""
    from celery import Celery

    from app.core.broker import celery_config
    from app.core.settings import load_settings
    from app.core.task_names import PUSH_SUBSCRIPTIONS, QUEUE_DEFAULT

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SUBSCRIBE_SQL, (receiver.url, new_secret()))
    client = Celery("bench")
    client.conf.update(celery_config(load_settings(env)))
    sent = woken = time.perf_counter()
    client.send_task(PUSH_SUBSCRIPTIONS, queue=QUEUE_DEFAULT)
    while receiver.accepted_items < rows:
        now = time.perf_counter()
        if now - sent > PUSH_TIMEOUT_SECONDS:
            raise TimeoutError(f"pushed {receiver.accepted_items} of {rows}: see the worker's log")
        if now - woken > BEAT_SECONDS:
            # What beat does every few seconds: a run that found nothing to send yet (the feed serves only
            # below the oldest transaction open on the server, whoever holds it) is followed by another.
            client.send_task(PUSH_SUBSCRIPTIONS, queue=QUEUE_DEFAULT)
            woken = now
        time.sleep(0.02)
    first, last = receiver.requests[0].at, receiver.requests[-1].at
    # One batch's worth is received before the clock starts: count the rate over the others.
    per_batch = max(last - first, 1e-6)
    return per_batch * rows / max(rows - len(receiver.requests[0].items()), 1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    print(run(args.rows))
