"""Hostile MIME through real gunicorn and a real Celery worker: each message is settled within 30 s of its
post and no worker process's peak RSS (VmHWM) reaches 300 MiB."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.conftest import sign
from tests.e2e.conftest import API_TOKEN, Service
from tests.hostile.corpus import (
    empty_parts,
    filename_encoded_words,
    folded_content_type_params,
    semicolons_in_quoted_filename,
)

pytestmark = pytest.mark.e2e

API = {"Authorization": f"Bearer {API_TOKEN}"}
RECIPIENT = "hostile@example.com"
CASES = (filename_encoded_words, empty_parts, folded_content_type_params, semicolons_in_quoted_filename)
MAX_SECONDS = 30
MAX_RSS_MIB = 300


def post_mime(client: httpx.Client, raw: bytes) -> None:
    from io import BytesIO

    fields = MultiDict([("recipient", RECIPIENT), *sign().items()])
    fields.add("body-mime", FileStorage(BytesIO(raw), "message.eml", content_type="message/rfc822"))
    boundary, body = encode_multipart(fields)
    answer = client.post(
        "/inbound/mailgun/mime",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert answer.status_code == 200, answer.text


def stored_count(client: httpx.Client) -> int:
    return len(client.get("/api/v1/inbound", params={"recipient": RECIPIENT}, headers=API).json()["items"])


def peak_rss_mib(group: int) -> float:
    """The largest VmHWM among the processes of process group `group` (the worker and its pool)."""
    peaks = [0.0]
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            if entry.name.isdigit() and int(stat.rsplit(")", 1)[1].split()[2]) == group:
                status = (entry / "status").read_text()
                peaks += [
                    int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM")
                ]
        except (OSError, ValueError, IndexError):
            continue
    return max(peaks)


def test_hostile_mime_is_settled_in_bounded_time_and_memory(service: Service) -> None:
    worker = service.processes["worker"].pid
    with httpx.Client(base_url=service.base_url, timeout=60) as client:
        for number, case in enumerate(CASES, start=1):
            started = time.monotonic()
            post_mime(client, case())
            while stored_count(client) < number and time.monotonic() - started < MAX_SECONDS:
                time.sleep(0.3)
            assert stored_count(client) == number, (case.__name__, service.logs()[-3000:])
            assert peak_rss_mib(os.getpgid(worker)) < MAX_RSS_MIB, case.__name__
