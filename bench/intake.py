"""Intake benchmark: the real web process against a bare Flask app, same gunicorn config, same run.

Both servers stay up while wrk alternates between them for a few rounds, and each side is reported by its
best round: this machine shares its cores, and a burst of someone else's work slows whichever round it
lands in; taking each side's best compares the two at their own speed, not at the neighbours'.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from app.core.db import sqlalchemy_url
from bench.loadgen import LoadResult, have_wrk, run_wrk, write_bodies
from bench.procs import BENCH_KEY, Process, free_port, gunicorn, service_env, throwaway_database


def run(
    seconds: int = 10, connections: int = 32, expected_rps: int = 8000, rounds: int = 3
) -> dict[str, Any]:
    if not have_wrk():
        raise SystemExit("wrk is not installed: `make bench` installs it (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp, throwaway_database("mailhook_bench_intake") as url:
        work = Path(tmp)
        # Unique tokens in every intake round (a repeated token is a duplicate, answered without a write);
        # the bare app stores nothing and reads the first file again.
        bodies = [
            write_bodies(work / f"bodies-{n}.txt", expected_rps * seconds, BENCH_KEY) for n in range(rounds)
        ]
        env = service_env(url)
        servers: dict[str, tuple[Process, int]] = {}
        try:
            for name, app in (("bare", "bench.bare_app:app"), ("intake", "app.web.wsgi:app")):
                servers[name] = _start(app, env, work / f"{name}.log")
            measured: dict[str, list[LoadResult]] = {"bare": [], "intake": []}
            for n in range(rounds):
                for name, (_, port) in servers.items():
                    source = bodies[n] if name == "intake" else bodies[0]
                    measured[name].append(_load(port, source, seconds, connections))
            peaks = {name: _peak_rss_mib(web) for name, (web, _) in servers.items()}
        finally:
            for web, _ in servers.values():
                web.stop()
        stored = _count_inbox(url)
    best = {name: max(results, key=lambda r: r.rps) for name, results in measured.items()}
    return {
        "bare": {**best["bare"].as_dict(), "peak_rss_mib": peaks["bare"]},
        "intake": {**best["intake"].as_dict(), "peak_rss_mib": peaks["intake"]},
        "ratio": round(best["intake"].rps / best["bare"].rps, 3),
        "rounds_rps": {name: [r.rps for r in results] for name, results in measured.items()},
        "errors_all_rounds": sum(r.errors for r in measured["intake"]),
        "stored_rows": stored,
        "answered_200": sum(r.requests - r.errors for r in measured["intake"]),
    }


def _start(app: str, env: dict[str, str], log: Path) -> tuple[Process, int]:
    port = free_port()
    return gunicorn(app, port, env, log), port


def _load(port: int, bodies: Path, seconds: int, connections: int) -> LoadResult:
    return run_wrk(f"http://127.0.0.1:{port}/webhooks/mailgun", bodies, seconds, connections)


def _peak_rss_mib(web: Process) -> float:
    return round(max(web.tree_peak_rss_kib().values()) / 1024, 1)


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
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(run(args.seconds, args.connections, rounds=args.rounds))
