"""store() notifications on Postgres and SQLite: the stored message fetched from a fake Mailgun per region,
refused from anywhere else, retried, and dead-lettered once it cannot be had."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from flask import Flask
from sqlalchemy import Engine

from app.core.settings import Settings
from app.core.task_names import FETCH_STORED_MESSAGE
from tests.conftest import payload
from tests.fakemailgun import FakeMailgun
from tests.integration.inbound_support import (
    FilePart,
    attachment_rows,
    drain,
    inbox_row,
    message_rows,
    mime_message,
    post_route,
    set_pending,
)
from workers.inbound.storage_client import new_client
from workers.inbound.stored_fetch import FetchStep, fetch_pending
from workers.inbound.tasks import claim_overdue
from workers.mailgun import subaccounts

API_KEY = "key-test"
PDF = FilePart("attachment-1", "invoice.pdf", "application/pdf", b"%PDF-1.4\n" + bytes(range(256)) * 40)


@pytest.fixture
def fake_us() -> Iterator[FakeMailgun]:
    with FakeMailgun(region="us", api_key=API_KEY, domains=["example.com"]) as fake:
        yield fake


@pytest.fixture
def fake_eu() -> Iterator[FakeMailgun]:
    with FakeMailgun(region="eu", api_key=API_KEY, domains=["example.eu"]) as fake:
        yield fake


@pytest.fixture
def settings(db_url: str, settings_for, fake_us: FakeMailgun, fake_eu: FakeMailgun) -> Settings:
    return settings_for(db_url, api_key=API_KEY, api_bases={"us": fake_us.url, "eu": fake_eu.url})


def notify(app: Flask, domain: str, url: str) -> str:
    """A store(notify=...) POST as Mailgun sends it: the parsed parts plus message-url and attachments."""
    listed = [
        {
            "url": f"{url}/attachments/0",
            "name": "invoice.pdf",
            "content-type": "application/pdf",
            "size": len(PDF.content),
        }
    ]
    fields = [
        ("recipient", f"Support@{domain}"),
        ("sender", "alice@example.org"),
        ("domain", domain),
        ("subject", "Notified subject"),
        ("body-plain", "notified body"),
        ("stripped-text", "notified stripped"),
        ("message-url", url),
        ("attachments", json.dumps(listed)),
    ]
    response, token = post_route(app, fields)
    assert response.status_code == 200
    return token


def fetch(engine: Engine, settings: Settings, message_row_id: int, **kwargs: object) -> FetchStep:
    with new_client() as client:
        return fetch_pending(engine, settings, message_row_id, client, **kwargs)  # type: ignore[arg-type]


def pending_id(engine: Engine, settings: Settings) -> int:
    result = drain(engine, settings)
    assert result.dead == 0, result.dead_reasons
    [message_row_id] = result.fetches
    return message_row_id


def test_us_notification_is_fetched_from_the_us_host_as_raw_mime(
    app: Flask, engine: Engine, settings: Settings, fake_us: FakeMailgun, fake_eu: FakeMailgun
) -> None:
    raw = mime_message("Invoice 42", "invoice-42@example.org", [PDF])
    url = fake_us.add_stored_message("example.com", "KEY-US", {"message-headers": []}, raw_mime=raw)
    token = notify(app, "example.com", url)
    message_row_id = pending_id(engine, settings)
    [pending] = message_rows(engine)
    assert (pending["fetch_status"], pending["subject"], pending["region"]) == (
        "pending",
        "Notified subject",
        "us",
    )

    assert fetch(engine, settings, message_row_id).status == "done"

    [row] = message_rows(engine)
    assert (row["fetch_status"], row["fetch_attempts"], row["fetch_error"]) == ("done", 1, None)
    assert row["raw_mime"] == raw and row["content_hash"] == hashlib.sha256(raw).hexdigest()
    assert (row["subject"], row["message_id"], row["from_name"]) == (
        "Invoice 42",
        "invoice-42@example.org",
        "Alice Sender",
    )
    assert row["body_text"].strip() == "Hello from the test."
    assert (row["recipient"], row["stripped_text"]) == ("support@example.com", "notified stripped")
    assert row["storage_url"] == url and row["token"] == token
    [attachment] = attachment_rows(engine, row["id"])
    assert (attachment["filename"], attachment["content"]) == ("invoice.pdf", PDF.content)
    [call] = fake_us.calls
    assert (call.method, call.path, call.status) == ("GET", "/v3/domains/example.com/messages/KEY-US", 200)
    assert call.headers["Accept"] == "message/rfc2822" and call.headers["Authorization"] == "api:***"
    fake_us.assert_all_requests_valid()
    assert fake_eu.calls == []
    assert inbox_row(engine, token)["status"] == "done"


def test_eu_notification_is_fetched_from_the_eu_host_only(
    app: Flask, engine: Engine, settings: Settings, fake_us: FakeMailgun, fake_eu: FakeMailgun
) -> None:
    stored = payload("stored-message.storage-get-json-response.invoiceninja.json")["body"]
    url = fake_eu.add_stored_message("example.eu", "KEY-EU", stored)
    notify(app, "example.eu", url)
    message_row_id = pending_id(engine, settings)

    assert fetch(engine, settings, message_row_id).status == "done"

    [row] = message_rows(engine)
    assert (row["region"], row["subject"], row["from_name"]) == ("eu", "Fwd: TEST", "Paul Werner")
    assert row["message_id"] == "CADfEuNu6nBJYqNSJ-suey3a0FazJELYkNSO5JUGiiGs9hsFvGg@mail.gmail.com"
    assert row["raw_mime"] is not None
    assert [call.path for call in fake_eu.calls] == ["/v3/domains/example.eu/messages/KEY-EU"]
    fake_eu.assert_all_requests_valid()
    assert fake_us.calls == []


def test_the_openapi_example_stored_message_is_fetched_from_the_us_host(
    app: Flask, engine: Engine, settings: Settings, fake_us: FakeMailgun
) -> None:
    stored = payload("stored-message.storage-get-json-response.openapi-example.json")
    notify(app, "example.com", fake_us.add_stored_message("example.com", "KEY-OA", stored))
    assert fetch(engine, settings, pending_id(engine, settings)).status == "done"
    [row] = message_rows(engine)
    assert (row["subject"], row["from_address"]) == ('"Mailgun is awesome"', "foo.bar@my-domain.com")
    assert row["message_id"] == "xxxxxxxxxxxxx.111111111111111@my-domain.com"
    assert row["to_addresses"] == ["cool.barr@cool.com", "bar.baz@gmail.com"]
    assert ["X-Mailgun-Tag", "Earth"] in row["headers"]


def test_foreign_storage_host_is_refused_with_no_request_anywhere(
    app: Flask, engine: Engine, settings: Settings, fake_us: FakeMailgun, fake_eu: FakeMailgun
) -> None:
    token = notify(app, "example.com", "https://evil.example/v3/domains/example.com/messages/KEY")
    result = drain(engine, settings)
    assert (result.dead, result.fetches) == (1, [])
    row = inbox_row(engine, token)
    assert row["status"] == "dead"
    assert (
        "refused" in row["error"] and "evil.example" in row["error"] and "not a Mailgun host" in row["error"]
    )
    assert message_rows(engine) == []
    assert fake_us.calls == [] and fake_eu.calls == []


def test_storage_host_of_the_other_region_is_refused(
    app: Flask, engine: Engine, settings: Settings, fake_us: FakeMailgun
) -> None:
    url = fake_us.add_stored_message("example.com", "KEY", {"message-headers": []})
    token = notify(app, "example.eu", url)  # an EU domain's message on the US host
    drain(engine, settings)
    assert "belongs to region us" in inbox_row(engine, token)["error"]
    assert fake_us.calls == []


def test_a_host_no_longer_allowed_at_fetch_time_gets_no_request(
    app: Flask,
    engine: Engine,
    settings: Settings,
    fake_us: FakeMailgun,
    settings_for,
    db_url: str,
) -> None:
    token = notify(
        app, "example.com", fake_us.add_stored_message("example.com", "KEY", {"message-headers": []})
    )
    message_row_id = pending_id(engine, settings)
    moved = settings_for(
        db_url, api_key=API_KEY, api_bases={"us": "https://api.mailgun.net", "eu": fake_us.url}
    )
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500)

    transport = httpx.MockTransport(record)

    with httpx.Client(transport=transport) as client:
        assert fetch_pending(engine, moved, message_row_id, client).status == "dead"

    assert seen == [] and fake_us.calls == []
    assert inbox_row(engine, token)["status"] == "dead"
    assert message_rows(engine)[0]["fetch_status"] == "failed"


def test_404_on_the_message_url_falls_back_to_the_regional_api(
    app: Flask, engine: Engine, settings: Settings, fake_us: FakeMailgun
) -> None:
    fake_us.add_stored_message("example.com", "KEY", {}, raw_mime=mime_message("Fallback", "fb@example.org"))
    notify(app, "example.com", f"{fake_us.url}/v3/domains/moved.example/messages/KEY")
    assert fetch(engine, settings, pending_id(engine, settings)).status == "done"
    assert [(call.path, call.status) for call in fake_us.calls] == [
        ("/v3/domains/moved.example/messages/KEY", 404),
        ("/v3/domains/example.com/messages/KEY", 200),
    ]
    assert message_rows(engine)[0]["subject"] == "Fallback"


def test_a_transient_failure_is_retried_with_backoff(
    app: Flask, engine: Engine, settings: Settings, fake_us: FakeMailgun
) -> None:
    url = fake_us.add_stored_message(
        "example.com", "KEY", {}, raw_mime=mime_message("Later", "later@example.org")
    )
    notify(app, "example.com", url)
    message_row_id = pending_id(engine, settings)
    fake_us.fail_next(1, status=503)

    step = fetch(engine, settings, message_row_id)

    assert step.status == "retry" and step.retry_in is not None and 24 <= step.retry_in <= 36
    [row] = message_rows(engine)
    assert (row["fetch_status"], row["fetch_attempts"]) == ("pending", 1)
    assert "HTTP 503" in row["fetch_error"] and row["fetch_next_at"] > row["received_at"]
    assert fetch(engine, settings, message_row_id).status == "done"
    assert message_rows(engine)[0]["fetch_attempts"] == 2


def test_failing_past_three_days_is_a_dead_letter_naming_the_expiry(
    app: Flask, engine: Engine, settings: Settings, fake_us: FakeMailgun
) -> None:
    token = notify(app, "example.com", fake_us.add_stored_message("example.com", "KEY", {}))
    message_row_id = pending_id(engine, settings)
    fake_us.fail_next(1, status=502)
    later = message_rows(engine)[0]["received_at"] + timedelta(days=3, minutes=1)

    assert fetch(engine, settings, message_row_id, now=later).status == "dead"

    row = inbox_row(engine, token)
    assert row["status"] == "dead"
    assert "expires about 3 days" in row["error"] and "HTTP 502" in row["error"]
    assert message_rows(engine)[0]["fetch_status"] == "failed"


def test_a_gone_message_is_a_dead_letter_and_a_replay_fetches_it_again(
    app: Flask, engine: Engine, settings: Settings, fake_us: FakeMailgun
) -> None:
    token = notify(app, "example.com", fake_us.storage_url("example.com", "LATE"))
    message_row_id = pending_id(engine, settings)
    assert fetch(engine, settings, message_row_id).status == "dead"
    assert "HTTP 404" in inbox_row(engine, token)["error"]

    fake_us.add_stored_message("example.com", "LATE", {}, raw_mime=mime_message("Found", "found@example.org"))
    set_pending(engine, token)  # what POST /api/v1/dead-letters/{id}/replay does
    assert drain(engine, settings).fetches == [message_row_id]
    assert fetch(engine, settings, message_row_id).status == "done"
    assert message_rows(engine)[0]["subject"] == "Found"
    assert inbox_row(engine, token)["status"] == "done"


def test_a_refused_api_key_is_a_dead_letter_naming_the_setting(
    app: Flask,
    engine: Engine,
    fake_us: FakeMailgun,
    fake_eu: FakeMailgun,
    settings_for,
    db_url: str,
) -> None:
    wrong = settings_for(db_url, api_key="key-wrong", api_bases={"us": fake_us.url, "eu": fake_eu.url})
    token = notify(app, "example.com", fake_us.add_stored_message("example.com", "KEY", {}))
    assert fetch(engine, wrong, pending_id(engine, wrong)).status == "dead"
    error = inbox_row(engine, token)["error"]
    assert "HTTP 401" in error and "MAILGUN_API_KEY" in error and "key-wrong" not in error


def test_without_an_api_key_nothing_is_requested(
    app: Flask,
    engine: Engine,
    fake_us: FakeMailgun,
    fake_eu: FakeMailgun,
    settings_for,
    db_url: str,
) -> None:
    keyless = settings_for(db_url, api_bases={"us": fake_us.url, "eu": fake_eu.url})
    token = notify(app, "example.com", fake_us.add_stored_message("example.com", "KEY", {}))
    assert fetch(engine, keyless, pending_id(engine, keyless)).status == "dead"
    assert "MAILGUN_API_KEY is not set" in inbox_row(engine, token)["error"]
    assert fake_us.calls == []


def test_a_fetched_message_already_stored_is_dropped(
    app: Flask, engine: Engine, settings: Settings, fake_us: FakeMailgun
) -> None:
    raw = mime_message("Twice", "twice@example.org")
    post_route(
        app, [("recipient", "support@example.com"), ("body-mime", raw.decode())], path="/inbound/mailgun/mime"
    )
    notify(app, "example.com", fake_us.add_stored_message("example.com", "KEY", {}, raw_mime=raw))
    message_row_id = pending_id(engine, settings)

    assert fetch(engine, settings, message_row_id).status == "duplicate"
    assert [row["subject"] for row in message_rows(engine)] == ["Twice"]


def test_the_drain_sends_one_fetch_task_per_notification_after_commit(
    app: Flask, engine: Engine, settings: Settings, fake_us: FakeMailgun
) -> None:
    notify(app, "example.com", fake_us.add_stored_message("example.com", "KEY", {}))
    message_row_id = pending_id(engine, settings)
    # The test settings use the filesystem broker: each sent task is a file in its queue folder.
    sent = [
        json.loads(path.read_text()) for path in (Path(settings.broker_dir) / "queue").glob("*.default.msg")
    ]
    fetches = [message["headers"] for message in sent if message["headers"]["task"] == FETCH_STORED_MESSAGE]
    assert [headers["argsrepr"] for headers in fetches] == [f"[{message_row_id}]"]


def test_the_sweep_resends_only_overdue_fetches(
    app: Flask, engine: Engine, settings: Settings, fake_us: FakeMailgun
) -> None:
    notify(app, "example.com", fake_us.add_stored_message("example.com", "KEY", {}))
    message_row_id = pending_id(engine, settings)
    due = message_rows(engine)[0]["fetch_next_at"]
    assert claim_overdue(engine, due + timedelta(minutes=5)) == []
    assert claim_overdue(engine, due + timedelta(minutes=11)) == [message_row_id]
    # Marked due again: the next sweep leaves it to the task just sent.
    assert claim_overdue(engine, due + timedelta(minutes=12)) == []


@pytest.mark.parametrize("how", ["configured", "discovered"])
def test_a_subaccounts_stored_message_is_fetched_on_its_behalf(
    app: Flask, engine: Engine, settings: Settings, fake_us: FakeMailgun, how: str
) -> None:
    # The parent's key reaches a subaccount's stored messages only on its behalf: without the header, 404.
    fake_us.add_subaccount_domain("in.client.example", "6fr783930fhhriu673")
    raw = mime_message("For the client", "client-1@example.org")
    url = fake_us.add_stored_message("in.client.example", "KEY-SUB", {}, raw_mime=raw)
    notify(app, "in.client.example", url)
    named = {"subaccounts": {"in.client.example": "6fr783930fhhriu673"}}
    chosen = replace(settings, **(named if how == "configured" else {"discover_subaccounts": True}))
    subaccounts.forget()
    try:
        assert fetch(engine, chosen, pending_id(engine, chosen)).status == "done"
    finally:
        subaccounts.forget()
    assert message_rows(engine)[0]["subject"] == "For the client"
    [fetched] = [call for call in fake_us.calls if "/messages/" in call.path]
    assert (fetched.status, fetched.headers.get("X-Mailgun-On-Behalf-Of")) == (200, "6fr783930fhhriu673")
    fake_us.assert_all_requests_valid()
