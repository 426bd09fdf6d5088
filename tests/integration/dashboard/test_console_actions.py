"""What the console's buttons do, through the real forms (session and CSRF token) and the real outbox: a
suppression's removal queued as a sync action and pushed to the fake Mailgun, audited with the operator's
name and never the token; dead letters replayed one or by filter; a failed sync action retried."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from app.dashboard.access import operator_name
from tests.integration.conftest import API_TOKEN, RecordingWaker, add_inbox_row, inbox_status
from tests.integration.dashboard.console_support import links, signed_in
from tests.integration.sync_support import World, add_sync_rows, event, intake_app
from tests.support_forms import csrf_field

ADDRESS = "gone@example.org"


def removal_form(client: FlaskClient, address: str, domain: str) -> dict[str, str]:
    page = client.get(f"/dashboard/recipients/{address}").get_data(as_text=True)
    assert f"Remove on {domain}" in page
    return {
        "csrf_token": csrf_field(page),
        "address": address,
        "region": "us",
        "domain": domain,
        "kind": "bounce",
    }


def test_removing_a_suppression_queues_a_delete_that_the_push_sends(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.deliver(event("bounce", ADDRESS, "mg.example.com"))
    world.push_until_settled("us")
    assert ("us", "news.example.com", ADDRESS, "bounce", "synced") in world.suppressions()
    assert world.us.bounces("news.example.com")
    client = signed_in(intake_app(world.settings))
    form = removal_form(client, ADDRESS, "news.example.com")
    page = client.get(f"/dashboard/recipients/{ADDRESS}").get_data(as_text=True)
    sources = links(page, "source-event")
    assert len(sources) == 3  # the bounce's own domain (observed) and the two copies all name it
    source_page = client.get(sources[0]).get_data(as_text=True)
    assert "5.1.1 mailbox does not exist" in source_page

    with caplog.at_level(logging.INFO, logger="app.dashboard.removal"):
        answer = client.post("/dashboard/suppressions/remove", data=form)
        again = client.post("/dashboard/suppressions/remove", data=form)  # a second click adds nothing
    assert answer.status_code == 302 and "queued=added" in answer.headers["Location"]
    assert "queued=already" in again.headers["Location"]
    [queued] = world.actions(kind="bounce_delete")
    assert (queued.status, queued.region, queued.domain, queued.address) == (
        "pending",
        "us",
        "news.example.com",
        ADDRESS,
    )
    [record] = [r for r in caplog.records if getattr(r, "audit", None) == "suppression_removal"]
    assert record.operator == operator_name(API_TOKEN)  # type: ignore[attr-defined]
    assert API_TOKEN not in record.getMessage() and API_TOKEN not in str(record.__dict__)

    world.push_until_settled("us")
    assert world.us.bounces("news.example.com") == []  # Mailgun removed it
    assert world.us.bounces("shop.example.com")  # and only on that domain
    assert ("us", "news.example.com", ADDRESS, "bounce", "removed") in world.suppressions()
    page = client.get(f"/dashboard/recipients/{ADDRESS}").get_data(as_text=True)
    assert "Remove on news.example.com" not in page and "Remove on shop.example.com" in page
    assert "bounce_delete" in page  # the action shows with its status among the recipient's actions


def test_a_removal_without_the_forms_token_or_of_nothing_changes_nothing(app: Flask, engine: Engine) -> None:
    add_sync_rows(engine, ADDRESS, status="done")
    client = signed_in(app)
    form = removal_form(client, ADDRESS, "news.example.com")
    assert (
        client.post("/dashboard/suppressions/remove", data={**form, "csrf_token": "0" * 64}).status_code
        == 403
    )
    unknown = {**form, "domain": "nowhere.example.com"}
    assert client.post("/dashboard/suppressions/remove", data=unknown).status_code == 404
    assert client.post("/dashboard/suppressions/remove", data={**form, "kind": "spam"}).status_code == 400
    page = client.get(f"/dashboard/recipients/{ADDRESS}").get_data(as_text=True)
    assert "bounce_delete" not in page


def test_dead_letters_are_listed_filtered_and_replayed(app: Flask, engine: Engine) -> None:
    waker = app.extensions["mailhook"].waker = RecordingWaker()
    first = add_inbox_row(
        engine, kind="webhook", error="cannot normalize: no event name", domain_hint="a.com"
    )
    second = add_inbox_row(engine, kind="webhook", error="payload is not JSON")
    third = add_inbox_row(engine, kind="inbound", error="cannot normalize: no event name")
    client = signed_in(app)
    page = client.get("/dashboard/dead-letters", query_string={"kind": "webhook", "reason": "normalize"})
    text = page.get_data(as_text=True)
    assert text.count('class="dead-letter"') == 1 and "a.com" in text

    one = {"csrf_token": csrf_field(text), "id": str(second), "store": "primary"}
    assert client.post("/dashboard/dead-letters/replay", data=one).status_code == 302
    assert inbox_status(engine, second)[0] == "pending" and inbox_status(engine, first)[0] == "dead"
    matching = {"csrf_token": csrf_field(text), "kind": "", "reason": "no event name"}
    answer = client.post("/dashboard/dead-letters/replay", data=matching)
    assert "replayed=2" in answer.headers["Location"]
    assert inbox_status(engine, first)[0] == "pending" and inbox_status(engine, third)[0] == "pending"
    assert waker.pokes == 2


def test_a_failed_sync_action_shows_mailguns_answer_and_is_retried(app: Flask, engine: Engine) -> None:
    failed = add_sync_rows(engine, ADDRESS, status="failed", last_error="400: 'address' parameter is invalid")
    client = signed_in(app)
    page = client.get("/dashboard/sync").get_data(as_text=True)
    assert "400: &#39;address&#39; parameter is invalid" in page
    retry = client.post(
        f"/dashboard/sync/{failed}/retry", data={"csrf_token": csrf_field(page), "store": "primary"}
    )
    assert retry.status_code == 302
    after = client.get("/dashboard/sync").get_data(as_text=True)
    assert 'class="sync-action"' not in after  # pending again, no longer listed as failed
    recipient = client.get(f"/dashboard/recipients/{ADDRESS}").get_data(as_text=True)
    assert 'class="action status-pending"' in recipient
