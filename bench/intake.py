"""Intake benchmark: the real web process against a bare Flask app, same gunicorn config, same run."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from app.db import sqlalchemy_url
from bench.loadgen import have_wrk, run_wrk, write_bodies
from bench.procs import BENCH_KEY, free_port, gunicorn, service_env, throwaway_database


def run(seconds: int = 10, connections: int = 32, expected_rps: int = 8000) -> dict[str, Any]:
    if not have_wrk():
        raise SystemExit("wrk is not installed: `make bench` installs it (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp, throwaway_database("mailhook_bench_intake") as url:
        work = Path(tmp)
        bodies = write_bodies(work / "bodies.txt", expected_rps * seconds * 2, BENCH_KEY)
        env = service_env(url)
        bare = _measure("bench.bare_app:app", env, work, "bare", bodies, seconds, connections)
        real = _measure("app.wsgi:app", env, work, "intake", bodies, seconds, connections)
        stored = _count_inbox(url)
    return {
        "bare": bare,
        "intake": real,
        "ratio": round(real["rps"] / bare["rps"], 3),
        "stored_rows": stored,
        "answered_200": real["requests"] - real["errors"],
    }


def _measure(
    app: str, env: dict[str, str], work: Path, name: str, bodies: Path, seconds: int, connections: int
) -> dict[str, Any]:
    port = free_port()
    web = gunicorn(app, port, env, work / f"{name}.log")
    try:
        result = run_wrk(f"http://127.0.0.1:{port}/webhooks/mailgun", bodies, seconds, connections).as_dict()
        result["peak_rss_mib"] = round(max(web.tree_peak_rss_kib().values()) / 1024, 1)
    finally:
        web.stop()
    return result


def _count_inbox(url: str) -> int:
    engine = create_engine(sqlalchemy_url(url))
    with engine.connect() as conn:
        count = int(conn.execute(text("SELECT count(*) FROM inbox")).scalar_one())
    engine.dispose()
    return count


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    print(run(args.seconds, args.connections))
