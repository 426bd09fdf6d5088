"""GET /api/v1/inbound...: stored inbound mail served on Postgres and SQLite, every answer checked against
the served OpenAPI document."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.exceptions import OpenAPIError
from sqlalchemy import Engine, Table, update

from app.api.inbound import content_disposition
from app.core.settings import Settings
from app.web.factory import create_app
from tests.integration.conftest import Api, RecordingWaker
from tests.integration.inbound_support import (
    FilePart,
    add_inbound_message,
    drain,
    message_rows,
    mime_message,
    post_route,
    release,
)
from tests.integration.inbound_support import messages as messages_table

HTML = FilePart("attachment-1", "page.html", "text/html", b"<script>alert(document.cookie)</script>")
NAMED = FilePart("attachment-2", "r\u00e9sum\u00e9 final.pdf", "application/pdf", b"%PDF-1.4 resume")
BIG = FilePart("attachment-3", "big.bin", "application/octet-stream", b"\x01" * 5000)


@pytest.fixture
def settings(db_url: str, settings_for) -> Settings:
    return settings_for(db_url, attachment_max_bytes=4096)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    app.extensions["mailhook"].waker = RecordingWaker()
    yield app
    release(app)


def store(app: Flask, engine: Engine, settings: Settings, *posts: tuple[list, list, str]) -> list[int]:
    """POST each (fields, files, path) through intake, drain, and return the stored message ids in order."""
    for fields, files, path in posts:
        assert post_route(app, fields, files, path=path)[0].status_code == 200
    assert drain(engine, settings).dead == 0
    return [row["id"] for row in message_rows(engine)]


def parsed(
    recipient: str, sender: str = "alice@example.org", subject: str = "Hello"
) -> tuple[list, list, str]:
    fields = [("recipient", recipient), ("sender", sender), ("subject", subject), ("body-plain", "plain")]
    return fields, [], "/inbound/mailgun"


def set_received_at(engine: Engine, row_id: int, when: datetime) -> None:
    table: Table = messages_table
    with engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == row_id).values(received_at=when))


def test_the_list_filters_by_recipient_sender_and_time_and_pages_newest_first(
    app: Flask, api: Api, engine: Engine, settings: Settings
) -> None:
    ids = store(
        app,
        engine,
        settings,
        parsed("a@example.com"),
        parsed("A@Example.com", sender="bob@example.org"),
        parsed("other@example.com"),
        parsed("a@example.com", subject="Latest"),
    )
    base = datetime(2026, 3, 1, tzinfo=UTC)
    for offset, row_id in enumerate(ids):
        set_received_at(engine, row_id, base + timedelta(hours=offset))

    mine = api.get("/inbound", recipient="A@EXAMPLE.COM").get_json()
    assert [item["id"] for item in mine["items"]] == [ids[3], ids[1], ids[0]]
    assert (
        mine["items"][0]["subject"] == "Latest" and mine["items"][0]["received_at"] == "2026-03-01T03:00:00Z"
    )
    assert [i["id"] for i in api.get("/inbound", sender="bob@example.org").get_json()["items"]] == [ids[1]]
    window = api.get("/inbound", since="2026-03-01T01:00:00Z", until="2026-03-01T03:00:00Z").get_json()
    assert [item["id"] for item in window["items"]] == [ids[2], ids[1]]

    first = api.get("/inbound", limit="3").get_json()
    second = api.get("/inbound", limit="3", cursor=first["next_cursor"]).get_json()
    assert [i["id"] for i in first["items"] + second["items"]] == list(reversed(ids))
    assert second["next_cursor"] is None


def test_refused_parameters(api: Api) -> None:
    assert api.get("/inbound", cursor="nonsense").status_code == 400
    assert api.get("/inbound", since="yesterday").status_code == 400
    assert api.get("/inbound", subject="x").status_code == 400
    assert api.get("/inbound", headers=None).status_code == 401


def test_one_message_has_headers_bodies_and_its_attachment_list(
    app: Flask, api: Api, engine: Engine, settings: Settings
) -> None:
    raw = mime_message("With files", "files@example.org", [HTML, NAMED, BIG])
    [row_id] = store(
        app,
        engine,
        settings,
        ([("recipient", "in@example.com"), ("body-mime", raw)], [], "/inbound/mailgun/mime"),
    )

    item = api.get(f"/inbound/{row_id}").get_json()

    assert (item["subject"], item["message_id"], item["recipient"]) == (
        "With files",
        "files@example.org",
        "in@example.com",
    )
    assert item["from_address"] == "alice@example.org" and item["to"] == ["support@example.com"]
    assert ["Subject", "With files"] in item["headers"]
    assert item["body_text"].strip() == "Hello from the test."
    assert item["raw_size"] == len(raw) and item["content_hash"] == hashlib.sha256(raw).hexdigest()
    listed = [
        (a["n"], a["filename"], a["content_type"], a["size"], a["content_kept"]) for a in item["attachments"]
    ]
    assert listed == [
        (1, "page.html", "text/html", len(HTML.content), True),
        (2, NAMED.filename, "application/pdf", len(NAMED.content), True),
        (3, "big.bin", "application/octet-stream", 5000, False),
    ]
    assert item["attachments"][2]["sha256"] == hashlib.sha256(BIG.content).hexdigest()
    assert api.get("/inbound/999999").status_code == 404
    assert api.get("/inbound/abc").status_code == 404


def test_raw_mime_downloads_as_message_rfc822(
    app: Flask, api: Api, engine: Engine, settings: Settings
) -> None:
    raw = mime_message("Raw", "raw@example.org")
    with_raw, without_raw = store(
        app,
        engine,
        settings,
        ([("recipient", "in@example.com"), ("body-mime", raw)], [], "/inbound/mailgun/mime"),
        parsed("in@example.com"),
    )

    response = api.get(f"/inbound/{with_raw}/raw")

    assert response.status_code == 200 and response.data == raw
    assert response.headers["Content-Type"] == "message/rfc822"
    assert response.headers["Content-Disposition"].startswith(
        f'attachment; filename="inbound-{with_raw}.eml"'
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    refused = api.get(f"/inbound/{without_raw}/raw")
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (404, "no_raw_mime")


def test_attachments_download_in_their_own_type_never_inline(
    app: Flask, api: Api, engine: Engine, settings: Settings
) -> None:
    [row_id] = store(
        app,
        engine,
        settings,
        (
            [("recipient", "in@example.com"), ("attachment-count", "3")],
            [HTML, NAMED, BIG],
            "/inbound/mailgun",
        ),
    )

    html = api.get(f"/inbound/{row_id}/attachments/1")
    assert html.status_code == 200 and html.data == HTML.content
    assert html.headers["Content-Type"] == "text/html"  # no charset added, no sniffing
    assert (
        html.headers["Content-Disposition"]
        == "attachment; filename=\"page.html\"; filename*=UTF-8''page.html"
    )
    assert html.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in html.headers["Content-Security-Policy"]

    named = api.get(f"/inbound/{row_id}/attachments/2")
    assert named.data == NAMED.content and named.headers["Content-Type"] == "application/pdf"
    disposition = named.headers["Content-Disposition"]
    assert (
        disposition
        == "attachment; filename=\"r_sum_ final.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20final.pdf"
    )

    over = api.get(f"/inbound/{row_id}/attachments/3")
    assert (over.status_code, over.get_json()["error"]["code"]) == (404, "content_not_kept")
    assert "MAILHOOK_ATTACHMENT_MAX_BYTES" in over.get_json()["error"]["message"]
    assert api.get(f"/inbound/{row_id}/attachments/4").status_code == 404
    assert api.get(f"/inbound/{row_id}/attachments/0").status_code == 404


def test_a_pending_store_notification_is_listed_with_its_fetch_status(
    app: Flask, api: Api, engine: Engine, settings: Settings
) -> None:
    url = f"{settings.api_bases['us']}/v3/domains/example.com/messages/KEY"
    store(
        app,
        engine,
        settings,
        (
            [("recipient", "in@example.com"), ("message-url", url), ("body-plain", "x")],
            [],
            "/inbound/mailgun",
        ),
    )
    [item] = api.get("/inbound").get_json()["items"]
    assert (item["fetch_status"], item["region"]) == ("pending", "us")
    detail = api.get(f"/inbound/{item['id']}").get_json()
    assert (detail["storage_url"], detail["raw_size"], detail["fetch_attempts"]) == (url, None, 0)


def test_a_hostile_file_name_cannot_break_out_of_the_header() -> None:
    header = content_disposition('a"b\\c\r\nSet-Cookie: x.html')
    assert "\r" not in header and "\n" not in header
    assert header.startswith("attachment; filename=\"a_b_c__Set-Cookie: x.html\"; filename*=UTF-8''a%22b")


def test_every_inbound_operation_is_documented(api: Api) -> None:
    paths = api.document["paths"]
    for path in ("/inbound", "/inbound/{id}", "/inbound/{id}/raw", "/inbound/{id}/attachments/{n}"):
        assert "get" in paths[path]
    raw_content = paths["/inbound/{id}/raw"]["get"]["responses"]["200"]["content"]
    assert list(raw_content) == ["message/rfc822"]
    attachment = api.document["components"]["schemas"]["InboundAttachment"]["properties"]["content_kept"]
    assert "MAILHOOK_ATTACHMENT_MAX_BYTES" in attachment["description"]


def test_a_field_missing_from_the_document_is_caught(api: Api, engine: Engine) -> None:
    """The validation above is only worth something if it fails on a mismatch: describe one field less."""
    row_id = add_inbound_message(engine)
    response = api.get(f"/inbound/{row_id}")
    tampered = copy.deepcopy(api.document)
    detail = tampered["components"]["schemas"]["InboundDetail"]
    del detail["properties"]["raw_size"]
    detail["required"].remove("raw_size")
    with pytest.raises(OpenAPIError):
        OpenAPI.from_dict(tampered).validate_response(
            WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response)
        )
