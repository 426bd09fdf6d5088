"""A ~20 MB raw MIME message through real gunicorn and a real Celery worker, then out of the API again."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import httpx
import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from tests.conftest import sign
from tests.e2e.conftest import API_TOKEN, Service
from tests.fakemailgun import FakeMailgun

pytestmark = pytest.mark.e2e

API = {"Authorization": f"Bearer {API_TOKEN}"}
RECIPIENT = "support@example.com"
# Under the default MAILHOOK_ATTACHMENT_MAX_BYTES (10 MiB) each, so every byte is kept and served back.
ATTACHMENT_SIZES = {"scan-1.pdf": 4 * 1024 * 1024, "scan-2.pdf": 4 * 1024 * 1024, "photo.jpg": 6_500_000}
MAILGUN_KEY = "key-e2e"


@pytest.fixture
def fake_us() -> Iterator[FakeMailgun]:
    with FakeMailgun(region="us", api_key=MAILGUN_KEY, domains=["example.com"]) as fake:
        yield fake


@pytest.fixture
def service_env(service_env: dict[str, str], fake_us: FakeMailgun) -> dict[str, str]:
    """The service's US API base is the fake: stored messages are fetched from it, and only from it."""
    return {**service_env, "MAILGUN_API_KEY": MAILGUN_KEY, "MAILGUN_API_BASE_US": fake_us.url}


def large_message(attachments: dict[str, bytes]) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = "Big Sender <big@example.org>"
    message["To"] = RECIPIENT
    message["Subject"] = "Twenty megabytes"
    message["Message-ID"] = f"<big-{time.time_ns()}@example.org>"
    message.set_content("See the attached scans.\n")
    message.add_alternative("<p>See the attached scans.</p>", subtype="html")
    for name, content in attachments.items():
        maintype, subtype = ("image", "jpeg") if name.endswith(".jpg") else ("application", "pdf")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def wait_for_message(client: httpx.Client, timeout: float = 40.0) -> dict[str, object] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = client.get("/api/v1/inbound", params={"recipient": RECIPIENT}, headers=API).json()["items"]
        if items:
            return items[0]
        time.sleep(0.3)
    return None


def test_a_20_mb_mime_message_is_stored_parsed_and_served(service: Service) -> None:
    attachments = {name: os.urandom(size) for name, size in ATTACHMENT_SIZES.items()}
    raw = large_message(attachments)
    assert 19_000_000 < len(raw) < 25_000_000
    fields = MultiDict(
        [
            ("recipient", RECIPIENT),
            ("sender", "big@example.org"),
            ("body-mime", raw.decode()),
            *sign().items(),
        ]
    )
    boundary, body = encode_multipart(fields)

    with httpx.Client(base_url=service.base_url, timeout=60) as client:
        started = time.monotonic()
        answer = client.post(
            "/inbound/mailgun/mime",
            content=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert answer.status_code == 200, answer.text
        assert time.monotonic() - started < 10

        summary = wait_for_message(client)
        assert summary is not None, service.logs()[-3000:]
        detail = client.get(f"/api/v1/inbound/{summary['id']}", headers=API).json()
        assert (detail["subject"], detail["from_address"], detail["region"]) == (
            "Twenty megabytes",
            "big@example.org",
            "us",
        )
        assert detail["raw_size"] == len(raw)
        assert detail["body_text"].strip() == "See the attached scans."
        listed = {item["filename"]: item for item in detail["attachments"]}
        assert set(listed) == set(attachments)
        for name, content in attachments.items():
            assert listed[name]["size"] == len(content) and listed[name]["content_kept"] is True
            assert listed[name]["sha256"] == hashlib.sha256(content).hexdigest()

        photo = client.get(
            f"/api/v1/inbound/{summary['id']}/attachments/{listed['photo.jpg']['n']}", headers=API
        )
        assert photo.content == attachments["photo.jpg"]
        assert photo.headers["Content-Type"] == "image/jpeg"
        assert photo.headers["X-Content-Type-Options"] == "nosniff"
        assert photo.headers["Content-Disposition"].startswith('attachment; filename="photo.jpg"')
        served_raw = client.get(f"/api/v1/inbound/{summary['id']}/raw", headers=API)
        assert served_raw.content == raw
        assert served_raw.headers["Content-Type"] == "message/rfc822"


def test_a_store_notification_is_fetched_by_the_worker(service: Service, fake_us: FakeMailgun) -> None:
    raw = large_message({"small.pdf": b"%PDF-1.4 small"})
    url = fake_us.add_stored_message("example.com", "E2E-KEY", {}, raw_mime=raw)
    fields = {
        "recipient": RECIPIENT,
        "sender": "big@example.org",
        "domain": "example.com",
        "message-url": url,
        "subject": "Twenty megabytes",
        **sign(),
    }

    with httpx.Client(base_url=service.base_url, timeout=30) as client:
        assert client.post("/inbound/mailgun", data=fields).status_code == 200
        deadline, detail = time.monotonic() + 30, dict[str, Any]()
        while time.monotonic() < deadline and detail.get("fetch_status") != "done":
            summary = wait_for_message(client)
            assert summary is not None, service.logs()[-3000:]
            detail = client.get(f"/api/v1/inbound/{summary['id']}", headers=API).json()
            time.sleep(0.3)

    assert detail["fetch_status"] == "done", service.logs()[-3000:]
    assert detail["raw_size"] == len(raw)
    assert [item["filename"] for item in detail["attachments"]] == ["small.pdf"]
    # The worker's beat also refreshes the list mirror as it starts: only message fetches are counted.
    fetches = [call.path for call in fake_us.calls if "/messages/" in call.path]
    assert fetches == ["/v3/domains/example.com/messages/E2E-KEY"]
    fake_us.assert_all_requests_valid()
