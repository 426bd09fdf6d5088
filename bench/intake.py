"""Intake benchmark: the real web process against two peers, same gunicorn config, same run.

The peers: a bare Flask app answering 200 (the floor of any WSGI answer), and django-anymail's Mailgun
tracking view, which verifies and parses but stores nothing (bench/anymail_app.py; installed by the
benchmark, bench/peers.py). mailhook commits each delivery before its 200.

The three servers stay up while wrk alternates between them, round after round, and each side is reported
by its best and its median round: this machine shares its cores, and a burst of someone else's work slows
whichever round it lands in; the best compares each at its own speed, the median shows the spread.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from app.core.db import sqlalchemy_url
from bench.loadgen import LoadResult, have_wrk, run_wrk, write_bodies
from bench.peers import anymail_path
from bench.procs import BENCH_KEY, Process, free_port, gunicorn, service_env, throwaway_database

SERVERS = {
    "bare": "bench.bare_app:app",
    "anymail": "bench.anymail_app:application",
    "intake": "app.web.wsgi:app",
}


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
        peer_env = {**env, "PYTHONPATH": str(anymail_path())}
        servers: dict[str, tuple[Process, int]] = {}
        try:
            for name, app in SERVERS.items():
                servers[name] = _start(app, peer_env if name == "anymail" else env, work / f"{name}.log")
            measured: dict[str, list[LoadResult]] = {name: [] for name in SERVERS}
            for n in range(rounds):
                for name, (_, port) in servers.items():
                    source = bodies[n] if name == "intake" else bodies[0]
                    result = _load(port, source, seconds, connections)
                    measured[name].append(result)
                    print(f"  intake round {n + 1}, {name}: {result.rps:.0f} req/s, p99 {result.p99_ms} ms, "
                          f"{result.errors} errors", flush=True)  # fmt: skip
            peaks = {name: _peak_rss_mib(web) for name, (web, _) in servers.items()}
        finally:
            for web, _ in servers.values():
                web.stop()
        stored = _count_inbox(url)
    best = {name: max(results, key=lambda r: r.rps) for name, results in measured.items()}
    median = {name: statistics.median(r.rps for r in results) for name, results in measured.items()}
    return {
        **{name: {**best[name].as_dict(), "peak_rss_mib": peaks[name]} for name in SERVERS},
        "ratio": round(best["intake"].rps / best["bare"].rps, 3),
        "ratio_anymail": round(best["intake"].rps / best["anymail"].rps, 3),
        "ratio_anymail_median": round(median["intake"] / median["anymail"], 3),
        "anymail_vs_bare": round(best["anymail"].rps / best["bare"].rps, 3),
        "median_rps": median,
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
