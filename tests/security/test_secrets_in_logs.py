"""No secret in any log record, API answer, error answer or /metrics, with every logger at DEBUG.

In-process only: intake with valid and refused signatures, API calls with good and bad tokens (Bearer and
Basic). The sync push, the inbound fetch and the output of real gunicorn and Celery processes are covered by
tests/security/test_secrets_in_process_logs.py.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid

import pytest

from app.web.factory import create_app
from tests.conftest import sign

SIGNING_KEY = "signing-key-9f8e7d6c5b4a"
API_TOKEN = "api-token-0a1b2c3d4e5f"
MAILGUN_KEY = "key-mailgun-1234567890abcdef"
BASIC = base64.b64encode(f"api:{API_TOKEN}".encode()).decode()
SECRETS = (
    SIGNING_KEY,
    API_TOKEN,
    MAILGUN_KEY,
    BASIC,
    base64.b64encode(f"api:{MAILGUN_KEY}".encode()).decode(),
)


def test_no_secret_reaches_logs_answers_or_metrics(
    sqlite_url: str,
    settings_for,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = settings_for(
        sqlite_url, signing_keys=(SIGNING_KEY,), api_tokens=(API_TOKEN,), api_key=MAILGUN_KEY
    )
    client = create_app(settings).test_client()
    bodies: list[bytes] = []
    for key in (SIGNING_KEY, "wrong-key"):
        document = {"signature": sign(key, token=uuid.uuid4().hex), "event-data": {"event": "delivered"}}
        answer = client.post("/webhooks/mailgun", data=json.dumps(document), content_type="application/json")
        bodies.append(answer.get_data())
    statuses = []
    for header in (
        f"Bearer {API_TOKEN}",
        f"Basic {BASIC}",
        f"Bearer {API_TOKEN}x",
        f"Basic {BASIC}x",
        API_TOKEN,
    ):
        for path in ("/api/v1/events", "/api/v1/dead-letters", "/api/v1/openapi.json", "/api/v1/nowhere"):
            answer = client.get(path, headers={"Authorization": header})
            statuses.append(answer.status_code)
            bodies.append(answer.get_data() + str(answer.headers).encode())
    bodies.append(client.get("/metrics").get_data())
    assert {200, 401, 404} <= set(statuses)  # the scenario reached both the accepted and the refused paths
    logged = [record.getMessage() + (record.exc_text or "") + repr(record.args) for record in caplog.records]
    assert logged  # the refusals are logged: the check below has something to look at
    for secret in SECRETS:
        assert not [line for line in logged if secret in line], secret
        assert not [body for body in bodies if secret.encode() in body], secret
