"""A throwaway Postgres primary and a real streaming replica of it, each a cluster of its own on a free port.

The primary is made with `initdb` (not the shared test server, whose content and pg_hba are not ours to
copy): its pg_hba trusts replication connections from this machine, so `pg_basebackup -R -X stream` can
clone it and write `primary_conninfo`, and the clone starts as a hot standby that replays the primary's WAL.
The server refuses to run as root, so as root every command runs as the `postgres` OS user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

PG_BIN = Path(os.environ.get("MAILHOOK_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
PROGRAMS = ("initdb", "pg_ctl", "pg_basebackup")
SERVER_USER = "postgres"
DATABASE = "mailhook"
# Small and quick: the clusters hold one test database, and losing them in a crash costs nothing.
SERVER_OPTIONS = "-c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=60"


def missing_programs() -> str | None:
    """Why a replica cannot be started here, or None when it can."""
    absent = [name for name in PROGRAMS if not (PG_BIN / name).exists()]
    if absent:
        return f"Postgres server programs not found in {PG_BIN}: {', '.join(absent)}"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root, and runuser (to start Postgres as the postgres user) is not installed"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    data: Path
    port: int
    socket_dir: Path
    options: str = ""

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.socket_dir} {SERVER_OPTIONS} {self.options}"
        _as_server_user(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", f"{self.data}.log", "-w", "start"
        )
        _wait_for_connections(self.url("postgres"))

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            _as_server_user("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@dataclass
class Pair:
    primary: Cluster
    replica: Cluster

    def wait_for_replay(self, timeout: float = 30.0) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        with psycopg.connect(self.primary.url(), autocommit=True) as primary:
            target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.replica.url(), autocommit=True) as replica:
            while time.monotonic() < deadline:
                behind = replica.execute(
                    "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()) > 0", [target]
                ).fetchone()[0]  # type: ignore[index]
                if not behind:
                    return
                time.sleep(0.05)
        raise TimeoutError("the replica did not replay the primary's WAL in time")

    def on_replica(self, sql: str) -> None:
        """Run `sql` on the replica, again if a recovery conflict cancels it (replay may be paused right
        before a record whose cleanup conflicts with any snapshot the standby can take)."""
        for attempt in range(20):
            try:
                with psycopg.connect(self.replica.url(), autocommit=True) as replica:
                    replica.execute(sql)  # type: ignore[arg-type]
                return
            except psycopg.errors.SerializationFailure:
                if attempt == 19:
                    raise
                time.sleep(0.1)


@contextmanager
def streaming_pair() -> Iterator[Pair]:
    """A primary with database `mailhook`, and a hot standby streaming from it; both gone on leaving."""
    base = Path(tempfile.mkdtemp(prefix="mailhook-replica-"))
    os.chmod(base, 0o700)
    if os.geteuid() == 0:
        shutil.chown(base, SERVER_USER, SERVER_USER)
    primary = Cluster(base / "primary", free_port(), base)
    # A replayed change that conflicts with a query cancels it soon (30 s by default), so tests see it; the
    # feedback (as the README advises) keeps the primary's vacuum from removing rows a replica query reads.
    replica_options = "-c max_standby_streaming_delay=200ms -c hot_standby_feedback=on"
    replica = Cluster(
        base / "replica", free_port(), base, replica_options + " -c wal_receiver_status_interval=1s"
    )
    try:
        # -A trust writes trust lines for local and 127.0.0.1 connections, replication ones included.
        _as_server_user("initdb", "-D", str(primary.data), "-U", SERVER_USER, "-A", "trust", "--no-sync")
        primary.start()
        with psycopg.connect(primary.url("postgres"), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {DATABASE}")  # type: ignore[arg-type]
        _as_server_user(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", SERVER_USER,
            "-D", str(replica.data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
        )  # fmt: skip
        replica.start()
        yield Pair(primary, replica)
    finally:
        for cluster in (replica, primary):
            cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


def _as_server_user(program: str, *args: str) -> None:
    command = [str(PG_BIN / program), *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", SERVER_USER, "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _wait_for_connections(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
