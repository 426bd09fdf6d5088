"""Query benchmark: the list endpoints over a large events table (default 5,000,000 rows) on Postgres,
answered by the real web process; p50/p99 per filter, and the plans Postgres chose."""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.procs import free_port, gunicorn, service_env, throwaway_database

DOMAINS = 20
RECIPIENTS = 200_000
FILL_SQL = """
INSERT INTO events (mailgun_event_id, occurred_at, received_at, event, type, region, domain, recipient,
                    message_id, tags, user_variables, source, payload)
SELECT 'bench-' || n,
       now() - (n %% 2592000) * interval '1 second',
       now(),
       (ARRAY['delivered','opened','clicked','failed','accepted'])[1 + n %% 5],
       (ARRAY['delivered','opened','clicked','bounced','queued'])[1 + n %% 5],
       CASE WHEN n %% 4 = 0 THEN 'eu' ELSE 'us' END,
       'd' || (n %% %(domains)s) || '.example.com',
       'user' || (n %% %(recipients)s) || '@example.org',
       'msg-' || (n / 3) || '@mail.example.com',
       '["bench"]'::jsonb, '{}'::jsonb, 'webhook', '{}'::jsonb
FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS n
"""


def run(rows: int = 5_000_000, requests: int = 200) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, throwaway_database("mailhook_bench_query") as url:
        fill_seconds = _fill(url, rows)
        env = service_env(url, PROMETHEUS_MULTIPROC_DIR=tmp)
        port = free_port()
        web = gunicorn("app.web.wsgi:app", port, env, Path(tmp) / "web.log")
        try:
            results = _measure(f"http://127.0.0.1:{port}", _queries(rows), requests)
        finally:
            web.stop()
        plans = _plans(url, _cases())
    return {"rows": rows, "fill_seconds": round(fill_seconds, 1), "endpoints": results, "plans": plans}


def _fill(url: str, rows: int) -> float:
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for start in range(0, rows, 1_000_000):
            conn.execute(
                FILL_SQL,
                {
                    "domains": DOMAINS,
                    "recipients": RECIPIENTS,
                    "start": start,  # type: ignore[arg-type]
                    "stop": min(start + 1_000_000, rows) - 1,
                },
            )
        conn.execute("ANALYZE events")
    return time.perf_counter() - started


def _queries(rows: int) -> dict[str, Any]:
    rng = random.Random(7)
    recipients, messages = min(RECIPIENTS, rows), max(rows // 3, 1)
    return {
        "recipient": lambda: {"recipient": f"user{rng.randrange(recipients)}@example.org"},
        "message_id": lambda: {"message_id": f"msg-{rng.randrange(messages)}@mail.example.com"},
        "domain+time": lambda: {
            "domain": f"d{rng.randrange(DOMAINS)}.example.com",
            "since": int(time.time()) - 86400 * rng.randrange(1, 29),
            "until": int(time.time()) - 3600,
        },
    }


def _measure(base: str, queries: dict[str, Any], requests: int) -> dict[str, dict[str, float]]:
    """p50/p99 of GET /api/v1/events per named query; each query a function returning fresh parameters."""
    results = {}
    headers = {"Authorization": "Bearer bench-token"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for name, params in queries.items():
            timings = []
            for _ in range(requests):
                started = time.perf_counter()
                client.get("/api/v1/events", params={**params(), "limit": 50}).raise_for_status()
                timings.append((time.perf_counter() - started) * 1000)
            quantiles = statistics.quantiles(timings, n=100, method="inclusive")
            results[name] = {"p50_ms": round(quantiles[49], 2), "p99_ms": round(quantiles[98], 2)}
    return results


def _cases() -> dict[str, Any]:
    from app.core.models.events import Event

    return {
        "recipient": [Event.recipient == "user42@example.org"],
        "message_id": [Event.message_id == "msg-4242@mail.example.com"],
        "domain+time": [Event.domain == "d3.example.com", Event.occurred_at >= _days_ago(7)],
    }


def _plans(url: str, cases: dict[str, Any]) -> dict[str, str]:
    """EXPLAIN ANALYZE of the statements the endpoints run, one per named list of conditions."""
    from sqlalchemy.dialects import postgresql

    from app.api.events import keyset_query
    from app.core.db import make_engine
    from app.core.partitions import covered_range

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            covered = covered_range(connection)
    finally:
        engine.dispose()
    plans = {}
    with psycopg.connect(url) as conn:
        for name, conditions in cases.items():
            query = keyset_query(conditions, None, 51, newest_first=True, covered=covered)
            sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            lines = conn.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql).fetchall()  # type: ignore[arg-type]
            plans[name] = "\n".join(line[0] for line in lines)
    return plans


def _days_ago(days: int) -> Any:
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(days=days)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    outcome = run(args.rows, args.requests)
    plans = outcome.pop("plans")
    print(outcome)
    for name, plan in plans.items():
        print(f"--- {name}\n{plan}")
