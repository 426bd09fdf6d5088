"""No secret in the output of real gunicorn and Celery processes over a full run, every logger at DEBUG.

The web (gunicorn, production config, access log on) and worker (Celery with beat) processes run with random
signing key, API token and Mailgun key, and the Mailgun API of both regions pointed at fake Mailgun hosts.
The run: signed JSON and legacy form webhooks, one badly signed (401), a webhook carrying an Authorization
header, API calls with Bearer and Basic `api:<token>` credentials good and bad, the dashboard login, /metrics,
a permanent bounce that the worker pushes to Mailgun as a suppression on the region's other domain, and a
stored-message notification that the worker fetches from Mailgun. Then every line the processes wrote to
stdout and stderr is searched for each secret.

The settings have no log-level variable (the app logs at INFO), so both processes start through a small
bootstrap that makes `app.core.logs.configure_logging` set DEBUG; the commands are otherwise the e2e ones.
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.cli.sign import signed_body
from tests.conftest import payload, sign
from tests.e2e import conftest as e2e
from tests.e2e.conftest import Service, web_and_worker
from tests.fakemailgun import FakeMailgun
from tests.integration.sync_support import event
from tests.support_forms import csrf_field

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

# The e2e fixtures: the base environment under another name (this module's service_env extends it).
e2e_service_env = e2e.service_env
db_url_cleanup = e2e.db_url_cleanup

SIGNING_KEY = secrets.token_hex(20)
API_TOKEN = secrets.token_hex(20)
MAILGUN_KEY = f"key-{secrets.token_hex(20)}"
BASIC = base64.b64encode(f"api:{API_TOKEN}".encode()).decode()
WRONG_BASIC = base64.b64encode(f"api:{API_TOKEN}x".encode()).decode()
SECRETS = {
    "signing key": SIGNING_KEY,
    "API token": API_TOKEN,
    "Mailgun key": MAILGUN_KEY,
    "Basic api:<API token>": BASIC,
    "Basic api:<Mailgun key>": base64.b64encode(f"api:{MAILGUN_KEY}".encode()).decode(),
}
US_DOMAINS = ["example.com", "samples.mailgun.org"]
BOUNCED = "gone@example.org"
# The bounce on example.com is copied to the region's other configured domain.
PUSHED = "/v3/samples.mailgun.org/bounces"
STORED_KEY = "SECRETS-E2E-KEY"
RECIPIENT = "support@example.com"

# Runs `python -m <module> <args>` with every logger at DEBUG: the root logger, and the loggers a library gave
# a level of its own (SQLAlchemy sets WARN on import). configure_logging is called by the gunicorn post_fork
# hook and Celery's setup_logging signal, both after this replaces it.
BOOTSTRAP = """
import logging, runpy, sys
import app.core.logs
configure = app.core.logs.configure_logging
def everything_at_debug(fmt="json", level="INFO"):
    configure(fmt, "DEBUG")
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger) and logger.level > logging.DEBUG:
            logger.setLevel(logging.DEBUG)
app.core.logs.configure_logging = everything_at_debug
runpy.run_module(sys.argv.pop(1), run_name="__main__", alter_sys=True)
"""


def at_debug(command: list[str]) -> list[str]:
    python, flag, module, *args = command
    assert (python, flag) == (sys.executable, "-m")
    if "--loglevel" in args:
        args[args.index("--loglevel") + 1] = "DEBUG"
    return [python, "-c", BOOTSTRAP, module, *args]


@pytest.fixture
def fake_us() -> Iterator[FakeMailgun]:
    with FakeMailgun(region="us", api_key=MAILGUN_KEY, domains=US_DOMAINS) as fake:
        yield fake


@pytest.fixture
def fake_eu() -> Iterator[FakeMailgun]:
    with FakeMailgun(region="eu", api_key=MAILGUN_KEY, domains=["example.eu"]) as fake:
        yield fake


@pytest.fixture
def service_env(
    e2e_service_env: dict[str, str], fake_us: FakeMailgun, fake_eu: FakeMailgun
) -> dict[str, str]:
    return {
        **e2e_service_env,
        "MAILGUN_WEBHOOK_SIGNING_KEYS": SIGNING_KEY,
        "MAILHOOK_API_TOKENS": API_TOKEN,
        "MAILGUN_API_KEY": MAILGUN_KEY,
        "MAILGUN_API_BASE_US": fake_us.url,
        "MAILGUN_API_BASE_EU": fake_eu.url,
        # Beat runs the push, the list refresh and the Logs API poll within the test, all with the key.
        "MAILHOOK_SYNC_INTERVAL_SECONDS": "1",
        "MAILHOOK_LIST_REFRESH_SECONDS": "2",
        "MAILHOOK_POLL_INTERVAL_SECONDS": "2",
        "GUNICORN_LOG_LEVEL": "debug",
        "GUNICORN_ACCESS_LOG": "-",
    }


@pytest.fixture
def service(service_env: dict[str, str], tmp_path: Path, db_url_cleanup: None) -> Iterator[Service]:
    with web_and_worker(service_env, tmp_path, wrap=at_debug) as running:
        yield running


def wait_for(condition: Callable[[], object], service: Service, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, service.logs()[-3000:]
        time.sleep(0.2)


def json_webhook(event_data: dict[str, object], key: str = SIGNING_KEY) -> bytes:
    return json.dumps({"signature": sign(key), "event-data": event_data}).encode()


def legacy_form(key: str = SIGNING_KEY) -> bytes:
    return signed_body(payload("delivered.legacy-form.anymail.json"), key)[0]


def stored_message() -> bytes:
    message = EmailMessage()
    message["From"] = "sender@example.org"
    message["To"] = RECIPIENT
    message["Subject"] = "Stored"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    message.set_content("Fetched from storage.\n")
    return message.as_bytes()


def test_no_secret_in_the_logs_of_real_processes(
    service: Service, fake_us: FakeMailgun, fake_eu: FakeMailgun
) -> None:
    as_json = {"Content-Type": "application/json"}
    as_form = {"Content-Type": "application/x-www-form-urlencoded"}
    delivered = payload("delivered.webhook-json.anymail-real-sanitized.json")["event-data"]
    delivered["id"] = uuid.uuid4().hex
    storage_url = fake_us.add_stored_message("example.com", STORED_KEY, {}, raw_mime=stored_message())
    answers: list[httpx.Response] = []
    with httpx.Client(base_url=service.base_url, timeout=10) as client:

        def post(path: str, status: int, **kwargs: Any) -> None:
            answer = client.post(path, **kwargs)
            assert answer.status_code == status, (path, answer.text)
            answers.append(answer)

        # Intake: JSON, legacy form, a bad signature, a webhook URL with credentials in it.
        post("/webhooks/mailgun", 200, content=json_webhook(delivered), headers=as_json)
        post("/webhooks/mailgun", 200, content=legacy_form(), headers=as_form)
        post("/webhooks/mailgun", 401, content=json_webhook(delivered, key="wrong-key"), headers=as_json)
        post("/webhooks/mailgun", 401, content=legacy_form("wrong-key"), headers=as_form)
        bounce = event("bounce", BOUNCED, "example.com", timestamp=time.time())
        post(
            "/webhooks/mailgun",
            200,
            content=json_webhook(bounce),
            headers={**as_json, "Authorization": f"Basic {BASIC}"},
        )
        notify = {
            "recipient": RECIPIENT,
            "sender": "sender@example.org",
            "domain": "example.com",
            "message-url": storage_url,
            "subject": "Stored",
            **sign(SIGNING_KEY),
        }
        post("/inbound/mailgun", 200, data=notify)

        # API and dashboard: good and bad credentials, every way they can be presented.
        statuses: set[int] = set()
        for header in (
            f"Bearer {API_TOKEN}",
            f"Basic {BASIC}",
            f"Bearer {API_TOKEN}x",
            f"Basic {WRONG_BASIC}",
        ):
            for path in ("/api/v1/events", "/api/v1/sync-actions", "/api/v1/openapi.json", "/api/v1/nowhere"):
                answer = client.get(path, headers={"Authorization": header})
                statuses.add(answer.status_code)
                answers.append(answer)
        assert statuses == {200, 401, 404}
        form = csrf_field(client.get("/dashboard/login").text)
        post("/dashboard/login", 401, data={"token": f"{API_TOKEN}x", "csrf_token": form})
        post("/dashboard/login", 302, data={"token": API_TOKEN, "csrf_token": form})
        answers.append(client.get("/dashboard"))  # with the session cookie the login set
        assert answers[-1].status_code == 200

        # The worker's calls to Mailgun, made with the key: the suppression push and the stored-message fetch.
        wait_for(lambda: any(c.status == 200 for c in fake_us.calls_to("POST", PUSHED)), service)
        assert [b["address"] for b in fake_us.bounces("samples.mailgun.org")] == [BOUNCED]
        bearer = {"Authorization": f"Bearer {API_TOKEN}"}

        def fetch_status() -> str | None:
            listed = client.get("/api/v1/inbound", params={"recipient": RECIPIENT}, headers=bearer)
            items = listed.raise_for_status().json()["items"]
            if not items:
                return None
            detail = client.get(f"/api/v1/inbound/{items[0]['id']}", headers=bearer)
            return str(detail.raise_for_status().json()["fetch_status"])

        wait_for(lambda: fetch_status() == "done", service)
        assert f"/v3/domains/example.com/messages/{STORED_KEY}" in [c.path for c in fake_us.calls]
        wait_for(lambda: fake_us.calls_to("GET", "/v3/lists/pages"), service)
        for fake in (fake_us, fake_eu):
            wait_for(lambda: fake.calls_to("POST", "/v1/analytics/logs"), service)  # noqa: B023 - waited for at once
        answers.append(client.get("/metrics"))
        assert answers[-1].status_code == 200
    service.stop_all()  # every line flushed, the shutdown's included
    fake_us.assert_all_requests_valid()
    fake_eu.assert_all_requests_valid()

    logs = {path.stem: path.read_text(errors="replace") for path in sorted(service.log_dir.glob("*.log"))}
    assert set(logs) == {"web", "worker"}
    web, worker = logs["web"].splitlines(), logs["worker"].splitlines()
    # The scenario ran and was logged at DEBUG, so the search below has something to look at.
    assert any('"level": "debug"' in line for line in web), logs["web"][-3000:]
    assert any('"level": "debug"' in line for line in worker), logs["worker"][-3000:]
    assert any("signature refused on webhooks" in line for line in web)
    # gunicorn's access lines, one JSON record each.
    assert any(_access(line, "GET", "/api/v1/events", 401) for line in web), logs["web"][-3000:]
    assert any(_access(line, "POST", "/dashboard/login", 302) for line in web)
    assert any(f"POST {fake_us.url}{PUSHED}" in line for line in worker), logs["worker"][-3000:]
    assert any(f"GET {storage_url}" in line for line in worker), logs["worker"][-3000:]
    assert any(f"POST {fake_eu.url}/v1/analytics/logs" in line for line in worker)
    # SQL with its parameters and rows: the stored deliveries pass through these lines.
    assert any('"logger": "sqlalchemy.engine.Engine"' in line for line in web)
    assert any('"logger": "sqlalchemy.engine.Engine"' in line for line in worker)
    for name, secret in SECRETS.items():
        for process, text in logs.items():
            leaks = [line[:300] for line in text.splitlines() if secret in line]
            assert not leaks, f"{name} in the {process} log: {leaks[:3]}"
        leaked = [
            str(a.request.url) for a in answers if secret.encode() in a.content + str(a.headers).encode()
        ]
        assert not leaked, f"{name} in an answer: {leaked}"


def _access(line: str, method: str, path: str, status: int) -> bool:
    try:
        record = json.loads(line)
    except ValueError:
        return False
    wanted = {"logger": "gunicorn.access", "method": method, "path": path, "status": status}
    return isinstance(record, dict) and all(record.get(k) == v for k, v in wanted.items())
