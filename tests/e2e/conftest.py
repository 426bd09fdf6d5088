"""Real processes: gunicorn with the production config and a Celery worker, on Postgres and Redis."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import REDIS_TEST_URL, REPO, TEST_KEY

API_TOKEN = "e2e-api-token"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not become ready")


@dataclass
class Service:
    """A running mailhook: web and worker processes, their environment and logs."""

    base_url: str
    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, command: list[str]) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # What of its process group outlived the main process goes too, as a supervisor stops a whole unit:
        # a worker's embedded beat (-B) was seen retrying a broker that was gone long after the test.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))


def web_command() -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", str(REPO / "deploy" / "gunicorn.conf.py")]


def worker_command(beat: bool = True, concurrency: int = 2, schedule: Path | None = None) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.celery",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        str(concurrency),
        "-Q",
        "inbox,default",
        "--without-mingle",
        "--without-gossip",
    ]
    return command + (["-B", "-s", str(schedule or Path("var/celerybeat-schedule"))] if beat else [])


@pytest.fixture
def service_env(pg_url: str, tmp_path: Path) -> dict[str, str]:
    port = free_port()
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MAILHOOK_", "PYTEST_"))},
        "DATABASE_URL": pg_url,
        "REDIS_URL": REDIS_TEST_URL,
        "MAILHOOK_QUEUE_PREFIX": f"mh-e2e-{uuid.uuid4().hex[:8]}:",
        "MAILGUN_WEBHOOK_SIGNING_KEYS": TEST_KEY,
        "MAILHOOK_API_TOKENS": API_TOKEN,
        "MAILGUN_DOMAINS": "example.com:us,example.eu:eu,samples.mailgun.org:us",
        "MAILHOOK_ENV": "production",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "MAILHOOK_BROKER_DIR": str(tmp_path / "broker"),
        "PROMETHEUS_MULTIPROC_DIR": str(_fresh_dir(tmp_path / "metrics")),
    }


def _fresh_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def web_and_worker(
    env: dict[str, str], log_dir: Path, wrap: Callable[[list[str]], list[str]] = lambda command: command
) -> Iterator[Service]:
    """Real web and worker (with beat) on `env`, ready when entered, both stopped on leaving; `wrap`
    changes how each command is started."""
    running = Service(f"http://{env['GUNICORN_BIND']}", env, log_dir)
    running.start("web", wrap(web_command()))
    running.start("worker", wrap(worker_command(schedule=log_dir / "celerybeat-schedule")))
    try:
        wait_until_ready(running.base_url + "/readyz")
        yield running
    finally:
        running.stop_all()


@pytest.fixture
def service(service_env: dict[str, str], tmp_path: Path, db_url_cleanup: None) -> Iterator[Service]:
    with web_and_worker(service_env, tmp_path) as running:
        yield running


@pytest.fixture
def db_url_cleanup(pg_url: str, pg_engine) -> Iterator[None]:  # type: ignore[no-untyped-def]
    from tests.conftest import truncate_all

    yield
    truncate_all(pg_engine)


# --- the processes exactly as the Procfile and the example environment start them --------------------------


def procfile() -> dict[str, str]:
    lines = (REPO / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def example_env() -> dict[str, str]:
    lines = (REPO / "deploy" / "mailhook.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


@pytest.fixture
def procfile_env(pg_url: str, tmp_path: Path) -> dict[str, str]:
    """deploy/mailhook.env.example with its placeholders pointed at this machine's Postgres and Redis."""
    bin_dir = str(Path(sys.executable).parent)
    (tmp_path / "metrics").mkdir(exist_ok=True)
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MAILGUN_", "MAILHOOK_", "PYTEST_"))},
        **example_env(),
        "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": pg_url,
        "REDIS_URL": REDIS_TEST_URL,
        "MAILGUN_WEBHOOK_SIGNING_KEYS": TEST_KEY,
        "MAILHOOK_API_TOKENS": API_TOKEN,
        "MAILGUN_DOMAINS": "example.com:us,example.eu:eu,samples.mailgun.org:us",
        "MAILHOOK_QUEUE_PREFIX": f"mh-procfile-{uuid.uuid4().hex[:8]}:",
        "PORT": str(free_port()),
        "MAILHOOK_WORKER_METRICS_PORT": str(free_port()),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
    }


def start_as_procfile(running: Service, name: str, cwd: Path) -> None:
    """The Procfile's line for `name`, run by a shell as a Procfile runner would."""
    log = open(running.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
    running.processes[name] = subprocess.Popen(
        ["bash", "-c", f"exec {procfile()[name]}"],
        cwd=cwd,
        env=running.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@contextmanager
def procfile_processes(env: dict[str, str], log_dir: Path) -> Iterator[Service]:
    """web, worker and beat started from the Procfile, ready when entered, all stopped on leaving."""
    running = Service(f"http://127.0.0.1:{env['PORT']}", env, log_dir)
    (log_dir / "beat").mkdir(exist_ok=True)
    try:
        start_as_procfile(running, "web", REPO)
        start_as_procfile(running, "worker", REPO)
        start_as_procfile(running, "beat", log_dir / "beat")  # its schedule file lands in its own folder
        wait_until_ready(running.base_url + "/readyz")
        yield running
    finally:
        running.stop_all()


# --- a real browser: Debian's chromium, driven through chromium-driver ------------------------------------


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("Debian's chromium and chromium-driver are not installed (.ci/run installs them)")
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium fetch a driver: Debian's is given
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as DriverService

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, CSP violations included
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1100",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=DriverService(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
