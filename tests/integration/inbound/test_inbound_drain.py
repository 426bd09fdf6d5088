"""Inbound route POSTs through the real app and the drain, on Postgres and SQLite: what ends up stored."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select

from app.core.settings import Settings
from tests.conftest import payload, sign
from tests.integration.inbound_support import (
    PNG_BYTES,
    FilePart,
    attachment_rows,
    drain,
    inbox,
    inbox_row,
    message_rows,
    post_route,
    sample_parts,
    set_pending,
)
from workers.events.drain import drain_batch
from workers.inbound import store as mail_store

PARSED = "inbound-forward-parsed.route-form.anymail.json"
WITH_FILES = "inbound-forward-parsed-attachments.route-form.anymail.json"
MIME = "inbound-forward-mime.route-form.anymail.json"
NOTIFY_PARTIAL = "inbound-store-notify.route-form.anymail-partial.json"


@pytest.fixture
def settings(db_url: str, settings_for) -> Settings:
    return settings_for(db_url, attachment_max_bytes=1024)


def test_parsed_forward_is_stored_with_every_field(app: Flask, engine: Engine, settings: Settings) -> None:
    response, token = post_route(app, *sample_parts(PARSED))
    assert response.status_code == 200
    assert drain(engine, settings).dead == 0

    [row] = message_rows(engine)
    assert (row["recipient"], row["sender"], row["domain"]) == (
        "test@inbound.example.com",
        "envelope-from@example.org",
        "inbound.example.com",
    )
    assert (row["from_name"], row["from_address"]) == ("Displayed From", "from+test@example.org")
    assert row["to_addresses"] == ["test@inbound.example.com", "other@example.com"]
    assert row["cc_addresses"] == ["cc@example.com"]
    assert (row["subject"], row["message_id"]) == ("Test subject", "CAEPk3R+4Zr@mail.example.org")
    assert row["date"] == datetime(2017, 10, 12, 1, 31, 4, tzinfo=UTC)
    assert (row["body_text"], row["body_html"]) == ("Test body plain", "<div>Test body html</div>")
    assert (row["stripped_text"], row["stripped_html"]) == ("stripped plaintext body", "stripped html body")
    assert (row["spam_flag"], row["spam_score"]) == (False, 1.7)
    assert ["X-Mailgun-Sflag", "No"] in row["headers"]
    assert row["token"] == token and row["raw_mime"] is None and row["fetch_status"] is None
    assert len(row["content_hash"]) == 64
    assert row["region"] is None  # inbound.example.com is in no configured region
    assert inbox_row(engine, token)["status"] == "done"


def test_multipart_forward_keeps_real_attachment_files(
    app: Flask, engine: Engine, settings: Settings
) -> None:
    response, _ = post_route(app, *sample_parts(WITH_FILES))
    assert response.status_code == 200
    drain(engine, settings)

    [message] = message_rows(engine)
    stored = attachment_rows(engine, message["id"])
    assert [(a["n"], a["filename"], a["content_type"]) for a in stored] == [
        (1, "test.txt", "text/plain"),
        (2, "image.png", "image/png"),
        (3, "forwarded.msg", "message/rfc822"),
    ]
    assert stored[1]["content"] == PNG_BYTES
    assert (stored[1]["inline"], stored[1]["content_id"]) == (True, "abc123")
    assert (stored[0]["inline"], stored[0]["content_id"]) == (False, None)
    assert stored[0]["sha256"] == hashlib.sha256(b"content of test.txt\n").hexdigest()
    assert [a["size"] for a in stored] == [len(a["content"]) for a in stored]


def test_attachment_over_the_limit_keeps_metadata_only(
    app: Flask, engine: Engine, settings: Settings
) -> None:
    big = bytes(range(256)) * 8  # 2048 bytes, over the 1024 configured for these tests
    fields = [("recipient", "in@example.com"), ("sender", "a@example.org"), ("attachment-count", "2")]
    files = [
        FilePart("attachment-1", "big.bin", "application/octet-stream", big),
        FilePart("attachment-2", "small.txt", "text/plain", b"small"),
    ]
    post_route(app, fields, files)
    drain(engine, settings)

    [message] = message_rows(engine)
    big_row, small_row = attachment_rows(engine, message["id"])
    assert (big_row["content"], big_row["size"]) == (None, 2048)
    assert big_row["sha256"] == hashlib.sha256(big).hexdigest()
    assert small_row["content"] == b"small"


def test_raw_mime_forward_keeps_the_mime_byte_for_byte(
    app: Flask, engine: Engine, settings: Settings
) -> None:
    fields, _ = sample_parts(MIME)
    response, _ = post_route(app, fields, path="/inbound/mailgun/mime", multipart=True)
    assert response.status_code == 200
    drain(engine, settings)

    [row] = message_rows(engine)
    assert row["raw_mime"] == dict(fields)["body-mime"].encode()
    assert row["content_hash"] == hashlib.sha256(row["raw_mime"]).hexdigest()
    assert (row["subject"], row["message_id"]) == ("Raw MIME test", "CAEPk3RKEx@mail.example.org")
    assert (row["recipient"], row["sender"]) == ("test@inbound.example.com", "envelope-from@example.org")
    assert row["body_text"].strip() == "It's a body\u2026"
    assert row["body_html"].strip() == '<div dir="ltr">It\'s a body\u2026</div>'


def test_eight_bit_raw_mime_survives_a_urlencoded_post(
    app: Flask, engine: Engine, settings: Settings
) -> None:
    raw = b"From: a@example.org\r\nSubject: caf\xe9\r\nMessage-ID: <latin1@example.org>\r\n"
    raw += b"Content-Type: text/plain; charset=latin-1\r\n\r\nna\xefve \x00body\r\n"
    post_route(app, [("recipient", "in@example.com"), ("body-mime", raw)], path="/inbound/mailgun/mime")
    drain(engine, settings)
    [row] = message_rows(engine)
    assert row["raw_mime"] == raw  # percent-encoded bytes decoded to bytes, never through text
    assert row["body_text"].startswith("na\u00efve ")
    assert "\x00" not in row["body_text"] and "\ufffd" in row["body_text"]  # NUL replaced: Postgres-safe


def test_store_notification_sample_without_url_is_kept_as_parsed_mail(
    app: Flask, engine: Engine, settings: Settings
) -> None:
    post_route(app, *sample_parts(NOTIFY_PARTIAL))
    assert drain(engine, settings).fetches == []
    [row] = message_rows(engine)
    assert row["body_text"] == "Test body plain"
    assert row["stored_attachments"][0]["name"] == "attachment.pdf"
    assert row["fetch_status"] is None


def test_region_comes_from_the_configured_domain(app: Flask, engine: Engine, settings: Settings) -> None:
    post_route(app, [("recipient", "support@example.eu"), ("body-plain", "hello")])
    drain(engine, settings)
    [row] = message_rows(engine)
    assert (row["domain"], row["region"]) == ("example.eu", "eu")


@pytest.mark.parametrize("path", ["/inbound/mailgun", "/inbound/mailgun/mime"])
def test_json_tracking_webhook_on_the_inbound_url_is_refused_with_the_fix(
    app: Flask, engine: Engine, path: str
) -> None:
    # Mailgun's routes post forms only: JSON there is refused before its body is read, signed or not.
    document = payload("delivered.webhook-json.anymail-real-sanitized.json")
    document["signature"] = sign()
    response = app.test_client().post(path, data=json.dumps(document), content_type="application/json")
    assert response.status_code == 415
    assert "/webhooks/mailgun" in response.json["error"]["message"]
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(inbox)) == 0


def test_legacy_form_tracking_webhook_on_the_inbound_url_is_dead_lettered(
    app: Flask, engine: Engine, settings: Settings
) -> None:
    fields = [
        (k, v)
        for k, v in payload("delivered.legacy-form.anymail.json")["fields"].items()
        if k not in ("timestamp", "token", "signature") and isinstance(v, str)
    ]
    _, token = post_route(app, fields)
    drain(engine, settings)
    row = inbox_row(engine, token)
    assert row["status"] == "dead"
    assert "legacy tracking webhook (delivered)" in row["error"] and "/webhooks/mailgun" in row["error"]


def test_a_post_with_nothing_in_it_is_dead_lettered(app: Flask, engine: Engine, settings: Settings) -> None:
    _, token = post_route(app, [])  # the signature fields only
    drain(engine, settings)
    assert inbox_row(engine, token)["error"].startswith("no inbound message in the post")


def test_same_message_twice_is_stored_once(app: Flask, engine: Engine, settings: Settings) -> None:
    fields, _ = sample_parts(MIME)
    post_route(app, fields, path="/inbound/mailgun/mime")
    post_route(app, fields, path="/inbound/mailgun/mime")  # another token: a second route, or a resend
    result = drain(engine, settings)
    assert (result.claimed, result.dead) == (2, 0)
    assert len(message_rows(engine)) == 1


def test_same_message_id_with_other_content_is_another_message(
    app: Flask, engine: Engine, settings: Settings
) -> None:
    headers = json.dumps([["Message-Id", "<same@example.org>"]])
    post_route(app, [("recipient", "a@example.com"), ("message-headers", headers), ("body-plain", "one")])
    post_route(app, [("recipient", "a@example.com"), ("message-headers", headers), ("body-plain", "two")])
    drain(engine, settings)
    assert [row["body_text"] for row in message_rows(engine)] == ["one", "two"]


def test_a_replayed_row_does_not_store_the_message_again(
    app: Flask, engine: Engine, settings: Settings
) -> None:
    _, token = post_route(app, *sample_parts(WITH_FILES))
    drain(engine, settings)
    set_pending(engine, token)
    result = drain(engine, settings)
    assert (result.claimed, result.dead) == (1, 0)
    [message] = message_rows(engine)
    assert len(attachment_rows(engine, message["id"])) == 3
    assert inbox_row(engine, token)["status"] == "done"


def test_webhooks_still_drain_beside_inbound_mail(app: Flask, engine: Engine, settings: Settings) -> None:
    document = payload("delivered.webhook-json.anymail-real-sanitized.json")
    document["signature"] = sign()
    app.test_client().post("/webhooks/mailgun", data=json.dumps(document), content_type="application/json")
    post_route(app, *sample_parts(PARSED))
    # Each lane claims only its own rows: the mail in the inbound lane, the webhook in the events lane.
    mail = drain(engine, settings)
    assert (mail.claimed, mail.events, mail.dead) == (1, 0, 0)
    assert len(message_rows(engine)) == 1
    events = drain_batch(engine, settings)
    assert (events.claimed, events.events, events.dead) == (1, 1, 0)


def test_a_message_the_database_refuses_is_dead_lettered_alone(
    app: Flask, engine: Engine, settings: Settings, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite does not enforce column lengths")
    real = mail_store.message_region

    def too_long_for_broken(domain: str | None, *rest: Any) -> str | None:
        return "a region far too long for its column" if domain == "broken.example" else real(domain, *rest)

    monkeypatch.setattr(mail_store, "message_region", too_long_for_broken)
    _, broken = post_route(app, [("recipient", "x@broken.example"), ("body-plain", "refused")])
    post_route(app, [("recipient", "x@example.com"), ("body-plain", "kept")])

    result = drain(engine, settings)

    assert (result.claimed, result.dead) == (2, 1)
    assert inbox_row(engine, broken)["error"] == "the database refused the parsed message (DataError)"
    assert [row["body_text"] for row in message_rows(engine)] == ["kept"]
