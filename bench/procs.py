"""Starting the real processes for a benchmark and reading their memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("MAILHOOK_BENCH_PG_ADMIN", "postgresql://127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("MAILHOOK_BENCH_REDIS", "redis://127.0.0.1:6379/0")
BENCH_KEY = "bench-signing-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def throwaway_database(name: str) -> Iterator[str]:
    # Named after this process too: a benchmark and the CI's smoke run of it never drop each other's.
    name = f"{name}_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    from app.core import migrate

    migrate.upgrade(url)
    try:
        yield url
    finally:
        from app.core.db import dispose_engines

        dispose_engines()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def service_env(database_url: str, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MAILHOOK_"))}
    return {
        **keep,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "MAILHOOK_QUEUE_PREFIX": f"mh-bench-{os.getpid()}:",
        "MAILGUN_WEBHOOK_SIGNING_KEYS": BENCH_KEY,
        "MAILHOOK_API_TOKENS": "bench-token",
        "MAILHOOK_ENV": "production",
        "MAILGUN_DOMAINS": "bench.example.com:us",
        **extra,
    }


class Process:
    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with open(log, "ab") as out:
            self.popen = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def tree_peak_rss_kib(self) -> dict[int, int]:
        """Peak RSS (VmHWM) of the process and each descendant, by pid."""
        return {pid: _status_kib(pid, "VmHWM:") for pid in _tree(self.popen.pid)}

    def tree_rss_kib(self) -> dict[int, int]:
        """Current RSS (VmRSS) of the process and each descendant, by pid."""
        return {pid: _status_kib(pid, "VmRSS:") for pid in _tree(self.popen.pid)}

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()


def gunicorn(app: str, port: int, env: dict[str, str], log: Path) -> Process:
    command = [sys.executable, "-m", "gunicorn", "-c", str(REPO / "deploy" / "gunicorn.conf.py"), app]
    process = Process(command, {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, log)
    wait_for_port(port)
    return process


def celery_worker(env: dict[str, str], log: Path, concurrency: int = 1) -> Process:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.celery",
        "worker",
        "--loglevel",
        "WARNING",
        "--concurrency",
        str(concurrency),
        "-Q",
        "inbox,default",
        "--without-mingle",
        "--without-gossip",
    ]
    return Process(command, env, log)


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port}")


def _tree(root: int) -> list[int]:
    pids, frontier = [root], [root]
    while frontier:
        pid = frontier.pop()
        for task in Path(f"/proc/{pid}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            for child in map(int, children):
                pids.append(child)
                frontier.append(child)
    return pids


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
