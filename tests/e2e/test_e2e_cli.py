"""The `mailhook` command and the process entry points, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PAYLOADS, REPO, TEST_KEY
from tests.e2e.conftest import API_TOKEN, Service, free_port, wait_until_ready
from tests.unit.cli.test_sign import COLLISIONS, CONSTRUCTED

SIGNED = ("timestamp", "token", "signature")

pytestmark = pytest.mark.e2e
MAILHOOK = str(Path(sys.executable).with_name("mailhook"))
SAMPLE = PAYLOADS / "delivered.webhook-json.anymail-real-sanitized.json"


def clean_env(**extra: str) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MAILGUN_", "MAILHOOK_", "DATABASE_", "REDIS_"))
    }
    return {**base, **extra}


@pytest.mark.parametrize(
    "command",
    [
        [MAILHOOK, "db", "upgrade"],
        [sys.executable, "-m", "celery", "-A", "workers.celery", "worker"],
        [sys.executable, "-m", "gunicorn", "-c", str(REPO / "deploy" / "gunicorn.conf.py")],
    ],
    ids=["mailhook", "celery", "gunicorn"],
)
def test_a_wrong_setting_stops_the_start_with_one_line(command: list[str], tmp_path: Path) -> None:
    env = clean_env(MAILGUN_DOMAINS="example.com:mars", GUNICORN_BIND=f"127.0.0.1:{free_port()}")
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if "MAILGUN_DOMAINS" in line]
    assert lines == [
        "mailhook: configuration error: MAILGUN_DOMAINS entry 'example.com:mars' must look like "
        "example.com:us or example.eu:eu"
    ]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("command", "variable", "value"),
    [
        (
            [sys.executable, "-m", "celery", "-A", "workers.celery", "worker"],
            "MAILHOOK_WORKER_METRICS_PORT",
            "http",
        ),
        (
            [sys.executable, "-m", "gunicorn", "-c", str(REPO / "deploy" / "gunicorn.conf.py")],
            "MAILHOOK_GROUP_COMMITTERS",
            "two",
        ),
    ],
    ids=["worker-metrics-port", "group-committers"],
)
def test_settings_read_by_one_process_only_are_validated_at_start(
    command: list[str], variable: str, value: str, tmp_path: Path
) -> None:
    env = clean_env(**{variable: value}, GUNICORN_BIND=f"127.0.0.1:{free_port()}")
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert [line for line in done.stderr.splitlines() if variable in line] == [
        f"mailhook: configuration error: {variable} must be a whole number, got {value!r}"
    ]
    assert "Traceback" not in done.stderr


def test_production_without_keys_refuses_to_start(tmp_path: Path) -> None:
    done = subprocess.run(
        [MAILHOOK, "db", "upgrade"],
        cwd=tmp_path,
        env=clean_env(MAILHOOK_ENV="production"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "MAILGUN_WEBHOOK_SIGNING_KEYS is required" in done.stderr


def test_mailhook_run_serves_the_embedded_default(tmp_path: Path) -> None:
    """`make run`'s command on a machine with no services: SQLite, filesystem broker, development key."""
    port = free_port()
    process = subprocess.Popen(
        [MAILHOOK, "run", "--port", str(port), "--web-workers", "1"],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/readyz", timeout=60)
        key = (tmp_path / "var" / "dev-signing-key").read_text().strip()
        body = subprocess.run(
            [MAILHOOK, "sign", str(SAMPLE)],
            cwd=tmp_path,
            env=clean_env(),
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout
        answer = httpx.post(
            f"http://127.0.0.1:{port}/webhooks/mailgun",
            content=body,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert answer.status_code == 200
        assert _wait_for_done(tmp_path / "var" / "mailhook.sqlite3")
        token = (tmp_path / "var" / "dev-api-token").read_text().strip()
        events = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/events", headers={"Authorization": f"Bearer {token}"}
        )
        assert [item["type"] for item in events.json()["items"]] == ["delivered"]
    finally:
        process.terminate()
        output = process.communicate(timeout=60)[0].decode(errors="replace")
    assert "DEVELOPMENT SIGNING KEY" in output and key in output
    assert "DEVELOPMENT API TOKEN" in output and token in output
    assert process.returncode == 0


def test_re_signed_legacy_samples_keep_their_user_variables_through_the_running_service(
    service: Service, tmp_path: Path
) -> None:
    constructed = tmp_path / "constructed.legacy-form.json"
    constructed.write_text(json.dumps(CONSTRUCTED))
    samples = {
        "actual-recipient@example.com": PAYLOADS / COLLISIONS,
        "legacy-vars@example.com": constructed,
    }
    for path in samples.values():
        body = subprocess.run(
            [MAILHOOK, "sign", "--key", TEST_KEY, str(path)],
            cwd=tmp_path, env=clean_env(), capture_output=True, check=True, timeout=30,
        ).stdout  # fmt: skip
        answer = httpx.post(
            f"{service.base_url}/webhooks/mailgun",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
    found = {recipient: _event_of(service, recipient) for recipient in samples}
    collisions = found["actual-recipient@example.com"]["user_variables"]
    assert {name: collisions.get(name) for name in SIGNED} == {
        "timestamp": "metadata-timestamp",
        "token": "metadata-token",
        "signature": "metadata-signature",
    }
    assert found["legacy-vars@example.com"]["user_variables"] == {
        "signature": "sender's own signature",
        "token": ["first user token", "second user token"],
        "timestamp": "not a time at all",
        "order-id": "A-1001",
    }


def _event_of(service: Service, recipient: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = httpx.get(
            f"{service.base_url}/api/v1/events",
            params={"recipient": recipient},
            headers={"Authorization": f"Bearer {API_TOKEN}"},
            timeout=10,
        ).json()["items"]
        if items:
            return dict(items[0])
        time.sleep(0.3)
    raise AssertionError(f"no event for {recipient}: {service.logs()[-3000:]}")


def _wait_for_done(path: Path, timeout: float = 30.0) -> bool:
    import sqlite3

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(path) as db:
            rows = db.execute("SELECT status FROM inbox").fetchall()
            events = db.execute("SELECT count(*) FROM events").fetchone()[0]
        if rows == [("done",)] and events == 1:
            return True
        time.sleep(0.3)
    return False


def test_sign_makes_a_delivery_that_verifies(tmp_path: Path) -> None:
    from app.core.signing import SignedParts, check_signature

    out = subprocess.run(
        [MAILHOOK, "sign", "--key", TEST_KEY, str(SAMPLE)],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    signature = json.loads(out)["signature"]
    assert check_signature(SignedParts(**signature), [TEST_KEY], now=time.time(), max_age=60) is None
