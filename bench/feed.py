"""Feed benchmark: GET /api/v1/feed through the real web process on Postgres.

Read rate: the whole feed in pages of 1000, items/s, against a plain keyset SELECT of the same rows and
columns in the same run (the ratio is what the API, JSON and HTTP cost on top). Wake-up: a reader
long-polls at the feed's end, an event is committed, and the time from the commit to the answer is
measured (p50/p99; the target is p99 under 1 s).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.procs import free_port, gunicorn, service_env, throwaway_database
from bench.query import DOMAINS, FILL_SQL, RECIPIENTS

# Rows per filling transaction: the feed's positions then span many transactions, as the drain's do.
FILL_BATCH = 10_000
PAGE = 1000
HEADERS = {"Authorization": "Bearer bench-token"}
PLAIN_SQL = """
SELECT id, mailgun_event_id, occurred_at, received_at, event, severity, type, region, domain, recipient,
       message_id, tags, user_variables, reason, delivery_status, url, ip, client_info, geolocation,
       mailing_list, storage_url, source, feed_xact
FROM events
WHERE (feed_xact, id) > (%s, %s) AND feed_xact < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
ORDER BY feed_xact, id LIMIT %s
"""


def run(rows: int = 1_000_000, wakeups: int = 100) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, throwaway_database("mailhook_bench_feed") as url:
        _fill(url, rows)
        port = free_port()
        env = service_env(url, PROMETHEUS_MULTIPROC_DIR=tmp)
        web = gunicorn("app.web.wsgi:app", port, env, Path(tmp) / "web.log")
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=HEADERS, timeout=60) as client:
                api_rate, cursor = _read_feed(client, rows)
                plain_rate = _read_plain(url, rows)
                latencies = _wakeups(client, url, cursor, wakeups)
        finally:
            web.stop()
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "rows": rows,
        "feed_items_per_second": round(api_rate),
        "select_rows_per_second": round(plain_rate),
        "ratio": round(api_rate / plain_rate, 3),
        "wakeups": wakeups,
        "wake_p50_ms": round(quantiles[49], 1),
        "wake_p99_ms": round(quantiles[98], 1),
    }


def _fill(url: str, rows: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for start in range(0, rows, FILL_BATCH):
            stop = min(start + FILL_BATCH, rows) - 1
            params = {"domains": DOMAINS, "recipients": RECIPIENTS, "start": start, "stop": stop}
            conn.execute(FILL_SQL, params)  # type: ignore[arg-type]
        conn.execute("ANALYZE events")


def _read_feed(client: httpx.Client, rows: int) -> tuple[float, str]:
    """Items/s reading the whole feed, and the cursor at its end."""
    seen, cursor, started = 0, None, time.perf_counter()
    while True:
        params: dict[str, Any] = {"limit": PAGE, **({"after": cursor} if cursor else {})}
        body = client.get("/api/v1/feed", params=params).raise_for_status().json()
        seen += len(body["items"])
        cursor = body["next_cursor"]
        if not body["items"]:
            break
    elapsed = time.perf_counter() - started
    assert seen == rows, f"the feed served {seen} of {rows} rows"
    return seen / elapsed, cursor


def _read_plain(url: str, rows: int) -> float:
    seen, after, started = 0, (-1, 0), time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            page = conn.execute(PLAIN_SQL, (*after, PAGE)).fetchall()  # type: ignore[call-overload]
            if not page:
                break
            seen += len(page)
            after = (page[-1][-1], page[-1][0])
    assert seen == rows
    return seen / (time.perf_counter() - started)


def _wakeups(client: httpx.Client, url: str, cursor: str, count: int) -> list[float]:
    """Milliseconds from an event's commit to the answer of a long-poll waiting for it."""
    latencies: list[float] = []
    with psycopg.connect(url, autocommit=True) as conn:
        for n in range(count):
            answered: dict[str, Any] = {}

            def poll(after: str = cursor, box: dict[str, Any] = answered) -> None:
                response = client.get("/api/v1/feed", params={"after": after, "wait": 30})
                box["at"], box["body"] = time.perf_counter(), response.raise_for_status().json()

            waiter = threading.Thread(target=poll)
            waiter.start()
            time.sleep(0.15 + (n % 7) / 70)  # the poll is waiting, at a different phase of its probes
            conn.execute(FILL_SQL, {"domains": 1, "recipients": 1, "start": 10**9 + n, "stop": 10**9 + n})
            committed = time.perf_counter()
            waiter.join()
            assert len(answered["body"]["items"]) == 1
            latencies.append((answered["at"] - committed) * 1000)
            cursor = answered["body"]["next_cursor"]
    return latencies


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--wakeups", type=int, default=100)
    args = parser.parse_args()
    print(run(args.rows, args.wakeups))
