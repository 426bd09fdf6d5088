"""`mailhook run`: migrate, then run web and worker (with beat) together on this machine.

The embedded default needs no service: SQLite under var/ and the filesystem broker. With DATABASE_URL and
REDIS_URL set, the same command runs against Postgres and Redis.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from app.cli.common import settings_or_exit
from app.core import migrate
from app.core.devkey import DEV_KEY_PATH, DEV_TOKEN_PATH, dev_secret_in_use, with_dev_secrets
from app.core.stores import stores

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--web-workers", default=2, show_default=True, type=int)
def run(host: str, port: int, web_workers: int) -> None:
    """Run web + worker + beat in the foreground (Ctrl-C stops all)."""
    settings = with_dev_secrets(settings_or_exit())
    for store in stores(settings):  # each database the settings name has the same schema
        migrate.upgrade(store.url)
    base = f"http://{host}:{port}"
    if key := dev_secret_in_use(settings.signing_keys, DEV_KEY_PATH):
        _announce(_dev_key_text(key, base))
    if token := dev_secret_in_use(settings.api_tokens, DEV_TOKEN_PATH):
        _announce(_dev_token_text(token, base))
    env = {
        **os.environ,
        "WEB_CONCURRENCY": str(web_workers),
        "GUNICORN_BIND": f"{host}:{port}",
        "PROMETHEUS_MULTIPROC_DIR": str(_fresh_metrics_dir()),
    }
    processes = [
        subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)], env=env),
        subprocess.Popen(_worker_command(settings.is_postgres), env=env),
    ]
    sys.exit(_supervise(processes))


def _fresh_metrics_dir() -> Path:
    """Web and worker write their counters side by side, so the web's /metrics shows both."""
    path = Path("var") / "metrics"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path.resolve()


def _worker_command(concurrent: bool) -> list[str]:
    # SQLite has a single writer: one worker process claims, and beat runs inside it.
    concurrency = "2" if concurrent else "1"
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.celery",
        "worker",
        "-B",
        "--loglevel",
        "INFO",
        "--concurrency",
        concurrency,
        "-Q",
        "inbox,default",
        "--without-mingle",
        "--without-gossip",
        "-s",
        "var/celerybeat-schedule",
    ]


def _supervise(processes: list[subprocess.Popen[bytes]]) -> int:
    def stop(*_: object) -> None:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while all(process.poll() is None for process in processes):
        time.sleep(0.5)
    stop()
    codes = [process.wait() for process in processes]
    return next((code for code in codes if code), 0)


def _dev_key_text(key: str, base: str) -> str:
    return (
        f"DEVELOPMENT SIGNING KEY (MAILGUN_WEBHOOK_SIGNING_KEYS is not set)\n\n    {key}\n\n"
        f"  Kept in {DEV_KEY_PATH}. Sign a sample payload and post it:\n"
        f"    .venv/bin/mailhook sign \\\n"
        f"      ../shared/mailgun/payloads/delivered.webhook-json.anymail-real-sanitized.json \\\n"
        f"      | curl -sS -H 'Content-Type: application/json' --data-binary @- {base}/webhooks/mailgun\n"
        f"  Never use this key in production: set MAILGUN_WEBHOOK_SIGNING_KEYS."
    )


def _dev_token_text(token: str, base: str) -> str:
    return (
        f"DEVELOPMENT API TOKEN (MAILHOOK_API_TOKENS is not set)\n\n    {token}\n\n"
        f"  Kept in {DEV_TOKEN_PATH}. Read the events, or open {base}/dashboard with it:\n"
        f"    curl -sS -H 'Authorization: Bearer {token}' {base}/api/v1/events\n"
        f"  Never use this token in production: set MAILHOOK_API_TOKENS."
    )


def _announce(text: str) -> None:
    line = "=" * 78
    click.secho(f"\n{line}\n  {text}\n{line}\n", fg="yellow", bold=True, err=True)
