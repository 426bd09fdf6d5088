"""Private Postgres and Redis servers for the fault tests, which stop, kill and restart them.

The machine's shared servers are used by other test processes at the same time, so they are never touched
here: each session starts its own Postgres cluster (initdb + pg_ctl, as the `postgres` OS user, since initdb
refuses root) and its own redis-server, on free loopback ports.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy import Engine

from app.core import migrate
from app.core.db import make_engine
from tests.conftest import TEST_KEY, truncate_all
from tests.e2e.conftest import API_TOKEN, Service, free_port, wait_until_ready, web_command, worker_command


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


PG_BIN = _postgres_bin()
REDIS_SERVER = shutil.which("redis-server")


def _missing() -> str | None:
    if PG_BIN is None:
        return "initdb not found under /usr/lib/postgresql/*/bin"
    if REDIS_SERVER is None:
        return "redis-server not found on PATH"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = _missing()
    if reason is None:
        return
    for item in items:
        if "tests/faults/" in str(item.fspath) and "e2e" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=f"fault tests need private servers: {reason}"))


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root; as any other user they run directly."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class PrivatePostgres:
    """A throwaway cluster that a test may stop and start again on the same port."""

    root: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/mailhook"

    def init(self) -> None:
        assert PG_BIN is not None
        (self.root / "sock").mkdir()
        if os.geteuid() == 0:  # the postgres user must own its data directory and socket directory
            entry = pwd.getpwnam("postgres")
            for path in (self.root, self.root / "sock"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        cmd = [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        subprocess.run(_as_postgres(cmd), check=True, capture_output=True)
        self.start()
        with psycopg.connect(self.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE mailhook")

    def start(self) -> None:
        assert PG_BIN is not None
        options = (
            f"-p {self.port} -k {self.root / 'sock'} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        log = str(self.root / "postgres.log")
        cmd = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", log, "-o", options, "-w", "start"]
        subprocess.run(_as_postgres(cmd), check=True, capture_output=True, timeout=60)

    def stop(self) -> None:
        """Fast shutdown: open connections are cut, as when a database fails over or restarts."""
        assert PG_BIN is not None
        cmd = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]
        subprocess.run(_as_postgres(cmd), check=True, capture_output=True, timeout=60)

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@dataclass
class PrivateRedis:
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(self.root)]
        log = open(self.root / "redis.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=0.5).ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise TimeoutError("private redis-server did not start")

    def kill(self) -> None:
        """SIGKILL: the queue's contents are lost with it (no persistence), the worst case for the broker."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    if PG_BIN is None:
        pytest.skip("initdb not found")
    root = Path(tempfile.mkdtemp(prefix="mailhook-faults-pg-"))
    server = PrivatePostgres(root)
    server.init()
    migrate.upgrade(server.url)
    yield server
    from app.core.db import dispose_engines

    dispose_engines()
    if server.running():
        server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def private_redis() -> Iterator[PrivateRedis]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server not found")
    root = Path(tempfile.mkdtemp(prefix="mailhook-faults-redis-"))
    server = PrivateRedis(root)
    server.start()
    yield server
    server.kill()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fault_engine(private_postgres: PrivatePostgres, private_redis: PrivateRedis) -> Iterator[Engine]:
    """An engine on the private database, emptied after the test; both servers are running again by then."""
    engine = make_engine(private_postgres.url)
    yield engine
    if not private_postgres.running():
        private_postgres.start()
    if private_redis.process is None:
        private_redis.start()
    engine.dispose()
    engine = make_engine(private_postgres.url)
    truncate_all(engine)
    engine.dispose()


@pytest.fixture
def fault_service(
    private_postgres: PrivatePostgres, private_redis: PrivateRedis, fault_engine: Engine, tmp_path: Path
) -> Iterator[Service]:
    """gunicorn (2 processes) and a Celery worker with beat, on the private servers; not yet ready."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MAILHOOK_", "PYTEST_"))},
        "DATABASE_URL": private_postgres.url,
        "REDIS_URL": private_redis.url,
        "MAILHOOK_QUEUE_PREFIX": f"mh-faults-{uuid.uuid4().hex[:8]}:",
        "MAILGUN_WEBHOOK_SIGNING_KEYS": TEST_KEY,
        "MAILHOOK_API_TOKENS": API_TOKEN,
        "MAILGUN_DOMAINS": "example.com:us,example.eu:eu,samples.mailgun.org:us",
        "MAILHOOK_ENV": "production",
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "WEB_CONCURRENCY": "2",
        # A short grace, so a reload or stop in a test never waits long on an idle keep-alive connection.
        "GUNICORN_GRACEFUL_TIMEOUT": "10",
        "MAILHOOK_BROKER_DIR": str(tmp_path / "broker"),
        "PROMETHEUS_MULTIPROC_DIR": str(_fresh_dir(tmp_path / "metrics")),
    }
    running = Service(f"http://{env['GUNICORN_BIND']}", env, tmp_path)
    try:
        yield running
    finally:
        running.stop_all()


def _fresh_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_web(service: Service) -> None:
    service.start("web", web_command())
    wait_until_ready(service.base_url + "/healthz")


def start_worker(service: Service, name: str = "worker") -> None:
    service.start(name, worker_command(schedule=service.log_dir / f"{name}-celerybeat-schedule"))


@pytest.fixture
def running_service(fault_service: Service) -> Service:
    start_web(fault_service)
    start_worker(fault_service)
    wait_until_ready(fault_service.base_url + "/readyz")
    return fault_service
