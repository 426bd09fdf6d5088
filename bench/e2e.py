"""End-to-end benchmark: signed deliveries posted at a fixed rate for a while, with the worker running;
the lag from a delivery's 200 to its event being queryable, and an exact account at the end."""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.loadgen import signed_delivery
from bench.procs import BENCH_KEY, celery_worker, free_port, gunicorn, service_env, throwaway_database

POLL_SECONDS = 0.05
SENDERS = 8


def run(rate: int = 1000, seconds: int = 60) -> dict[str, Any]:
    total = rate * seconds
    bodies = [signed_delivery(BENCH_KEY) for _ in range(total)]
    ids = [json.loads(b)["event-data"]["id"] for b in bodies]
    with tempfile.TemporaryDirectory() as tmp, throwaway_database("mailhook_bench_e2e") as url:
        env = service_env(url, PROMETHEUS_MULTIPROC_DIR=tmp)
        port = free_port()
        web = gunicorn("app.web.wsgi:app", port, env, Path(tmp) / "web.log")
        worker = celery_worker(env, Path(tmp) / "worker.log", concurrency=2)
        try:
            acked: dict[str, float] = {}
            watcher = Watcher(url)
            watcher.start()
            errors = _post_at_rate(port, bodies, ids, rate, acked)
            watcher.wait_for(len(acked), timeout=60)
            watcher.stop()
            rss = {"web": web.tree_peak_rss_kib(), "worker": worker.tree_peak_rss_kib()}
            stored, distinct = _account(url)
        finally:
            web.stop()
            worker.stop()
    lags = sorted(watcher.seen[i] - acked[i] for i in acked if i in watcher.seen)
    return {
        "rate": rate,
        "seconds": seconds,
        "posted": total,
        "answered_200": len(acked),
        "errors": errors,
        "stored": stored,
        "stored_distinct": distinct,
        "exactly_once": stored == distinct == len(acked),
        "lag_p50_ms": round(_pct(lags, 50) * 1000, 1),
        "lag_p99_ms": round(_pct(lags, 99) * 1000, 1),
        "web_peak_rss_mib": round(max(rss["web"].values()) / 1024, 1),
        "worker_peak_rss_mib": round(max(rss["worker"].values()) / 1024, 1),
    }


def _post_at_rate(port: int, bodies: list[str], ids: list[str], rate: int, acked: dict[str, float]) -> int:
    """SENDERS threads on keep-alive connections; delivery n is sent at start + n / rate (open loop)."""
    start, errors, lock = time.perf_counter() + 0.5, [0], threading.Lock()

    def sender(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for n in range(offset, len(bodies), SENDERS):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            conn.request("POST", "/webhooks/mailgun", bodies[n], {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            with lock:
                if response.status == 200:
                    acked[ids[n]] = time.perf_counter()
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors[0]


class Watcher(threading.Thread):
    """Polls the events table and notes when each event id first became visible."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.seen, self.last_id, self._halt = url, {}, 0, threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._halt.is_set():
                rows = conn.execute(
                    "SELECT id, mailgun_event_id FROM events WHERE id > %s ORDER BY id", [self.last_id]
                ).fetchall()
                now = time.perf_counter()
                for row_id, event_id in rows:
                    self.seen.setdefault(event_id, now)
                    self.last_id = max(self.last_id, row_id)
                time.sleep(POLL_SECONDS)

    def wait_for(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.seen) < count and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _account(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT mailgun_event_id) FROM events").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _pct(values: list[float], pct: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    print(run(args.rate, args.seconds))
