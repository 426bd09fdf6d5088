"""Every line web, worker and beat write is one JSON object in production, started as the Procfile says.

The commands are the Procfile's own lines run by a shell; the environment is deploy/mailhook.env.example with
its placeholders pointed at this machine's Postgres and Redis. Traffic: a stored delivery drained by the
worker, an API read, a 404; then every process is stopped, so start and stop lines are read too.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import payload, sign
from tests.e2e.conftest import API_TOKEN, procfile_processes

pytestmark = pytest.mark.e2e


def wait_for_event(client: httpx.Client, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items: list[dict[str, Any]] = client.get("/api/v1/events").raise_for_status().json()["items"]
        if items:
            return items
        time.sleep(0.3)
    return []


def test_web_worker_and_beat_write_only_json_lines(
    procfile_env: dict[str, str], tmp_path: Path, db_url_cleanup: None
) -> None:
    with procfile_processes(procfile_env, tmp_path) as running:
        document = payload("delivered.webhook-json.anymail-real-sanitized.json")
        document["signature"] = sign()
        headers = {"Authorization": f"Bearer {API_TOKEN}", "X-Request-Id": "trace-me-0123456789"}
        with httpx.Client(base_url=running.base_url, timeout=10, headers=headers) as client:
            stored = client.post("/webhooks/mailgun", json=document)
            assert stored.status_code == 200, stored.text
            assert wait_for_event(client), "the worker never drained the delivery"
            assert client.get("/no/such/page").status_code == 404
        time.sleep(1)  # the worker's task lines after the event is visible

    lines = [
        (path.name, line)
        for path in sorted(tmp_path.glob("*.log"))
        for line in path.read_text(errors="replace").splitlines()
        if line.strip()
    ]
    by_process = {
        name: [line for log, line in lines if log == f"{name}.log"] for name in ("web", "worker", "beat")
    }
    assert all(by_process.values()), {name: len(found) for name, found in by_process.items()}
    not_json = [(log, line) for log, line in lines if not _is_json_object(line)]
    assert not not_json, not_json[:10]

    records = [json.loads(line) for _, line in lines]
    access = [r for r in records if r.get("logger") == "gunicorn.access"]
    delivery = next(r for r in access if r.get("path") == "/webhooks/mailgun")
    assert delivery["method"] == "POST"
    assert delivery["status"] == 200
    assert delivery["request_id"] == "trace-me-0123456789"
    assert isinstance(delivery["duration_ms"], float | int) and delivery["duration_ms"] >= 0
    assert isinstance(delivery["size"], int) and delivery["size"] > 0
    assert any(r.get("path") == "/no/such/page" and r.get("status") == 404 for r in access)
    # gunicorn's own start lines, and the worker's, are among them: not only the app's.
    assert any(r.get("logger") == "gunicorn.error" for r in records)
    assert any(str(r.get("logger", "")).startswith("celery") for r in records)


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False
