"""The console's pages read the right rows, page them, and keep hostile addresses and Message-IDs inert:
escaped in the page, and percent-encoded in every link so that following the link finds the same value."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import Engine

from tests.integration.conftest import BASE_TIME, BEARER, add_event
from tests.integration.dashboard.console_support import links, signed_in

# Every character that means something in a URL or in HTML, inside one address and one Message-ID.
HOSTILE_ADDRESS = "o'neil/../x?y=1#frag%2f\"<b>@example.org"  # stored lower-cased, as the drain does
HOSTILE_MESSAGE = "<a/../../b?c#d%25\"'<script>alert(1)</script>@mail.example.com>"
STORED_MESSAGE = HOSTILE_MESSAGE[1:-1]  # stored without its angle brackets


def test_every_console_page_needs_a_token(app: Flask) -> None:
    client = app.test_client()
    for path in (
        "/dashboard/search?q=a@b",
        "/dashboard/recipients/a@b",
        "/dashboard/messages/m@x",
        "/dashboard/events/e1",
        "/dashboard/domains",
        "/dashboard/dead-letters",
        "/dashboard/sync",
        "/dashboard/live",
    ):
        answer = client.get(path, headers={"Authorization": "Bearer wrong"})
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/dashboard/login"), path
    for path in (
        "/dashboard/suppressions/remove",
        "/dashboard/dead-letters/replay",
        "/dashboard/sync/1/retry",
    ):
        assert client.post(path).status_code == 403, path  # no CSRF token, no session: nothing happens


def test_search_goes_to_the_page_of_what_was_asked(app: Flask, engine: Engine) -> None:
    add_event(engine, recipient="bob@example.org", message_id="m-1@example.com", mailgun_event_id="EvT-1")
    client = app.test_client()

    def where(asked: str) -> str:
        answer = client.get("/dashboard/search", query_string={"q": asked}, headers=BEARER)
        assert answer.status_code == 302, asked
        return answer.headers["Location"]

    assert where("  Bob@Example.org ") == "/dashboard/recipients/bob@example.org"
    assert where("m-1@example.com") == "/dashboard/messages/m-1@example.com"
    assert where("<m-1@example.com>") == "/dashboard/messages/m-1@example.com"
    assert where("EvT-1") == "/dashboard/events/EvT-1"
    assert where("unknown@example.org") == "/dashboard/recipients/unknown@example.org"
    assert where(HOSTILE_MESSAGE) == "/dashboard/messages/" + _encoded(STORED_MESSAGE)
    missing = client.get("/dashboard/search", query_string={"q": "no-such-id<i>x"}, headers=BEARER)
    assert missing.status_code == 404
    assert "no-such-id&lt;i&gt;x" in missing.get_data(as_text=True)


def test_a_hostile_address_is_escaped_and_its_links_lead_back_to_it(app: Flask, engine: Engine) -> None:
    add_event(engine, recipient=HOSTILE_ADDRESS, message_id=STORED_MESSAGE, type="delivered")
    client = app.test_client()
    message_page = client.get("/dashboard/messages/" + _encoded(STORED_MESSAGE), headers=BEARER)
    assert message_page.status_code == 200
    text = message_page.get_data(as_text=True)
    assert "<script>" not in text and "<b>@" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    [recipient_link] = links(text, "recipient-link")
    assert "/../" not in recipient_link and "?" not in recipient_link and "#" not in recipient_link
    recipient_page = client.get(recipient_link, headers=BEARER)
    assert recipient_page.status_code == 200
    page = recipient_page.get_data(as_text=True)
    assert "o&#39;neil/../x?y=1#frag%2f&#34;&lt;b&gt;@example.org" in page
    assert "<b>" not in page
    [message_link] = links(page, "message-link")
    assert client.get(message_link, headers=BEARER).status_code == 200  # and back to the message


def test_the_recipient_page_lists_events_newest_first_in_pages(app: Flask, engine: Engine) -> None:
    # 120 events, several sharing a time, so that paging must break ties by id and lose none.
    ids = [
        add_event(engine, recipient="many@example.org", occurred_at=BASE_TIME + timedelta(seconds=n // 3))
        for n in range(120)
    ]
    add_event(engine, recipient="other@example.org")
    client = app.test_client()
    seen: list[str] = []
    path: str | None = "/dashboard/recipients/many@example.org"
    while path:
        page = client.get(path, headers=BEARER).get_data(as_text=True)
        seen += _event_rows(page)
        path = _older(page)
    assert seen == [f"primary-{row_id}" for row_id in sorted(ids, reverse=True)]


def test_the_message_page_is_a_timeline_with_status_client_place_and_payload(
    app: Flask, engine: Engine
) -> None:
    message = "timeline@example.com"
    add_event(
        engine,
        message_id=message,
        type="opened",
        event="opened",
        occurred_at=BASE_TIME + timedelta(1),
        client_info={"client-name": "Thunderbird", "client-os": "Linux"},
        geolocation={"city": "Lyon", "country": "FR"},
        delivery_status=None,
        payload={"event": "opened", "note": "<img src=x onerror=alert(1)>"},
    )
    add_event(
        engine,
        message_id=message,
        type="delivered",
        event="delivered",
        delivery_status={"code": 250, "message": "2.0.0 OK queued"},
    )
    add_event(
        engine, message_id=message, type="queued", event="accepted", occurred_at=BASE_TIME - timedelta(1)
    )
    page = app.test_client().get(f"/dashboard/messages/<{message}>", headers=BEARER).get_data(as_text=True)
    order = [page.index(f">{name}") for name in ("accepted", "delivered", "opened")]
    assert order == sorted(order)
    assert "250 2.0.0 OK queued" in page
    assert "Thunderbird, Linux" in page and "Lyon, FR" in page
    assert '<details class="payload"><summary>Raw payload</summary>' in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img" not in page
    assert app.test_client().get("/dashboard/messages/none@x", headers=BEARER).status_code == 404


def test_the_live_view_reloads_itself_and_shows_recent_events(app: Flask, engine: Engine) -> None:
    from datetime import UTC, datetime

    add_event(engine, recipient="now@example.org", occurred_at=datetime.now(UTC) - timedelta(minutes=2))
    add_event(engine, recipient="long-ago@example.org", occurred_at=datetime.now(UTC) - timedelta(hours=2))
    page = app.test_client().get("/dashboard/live", headers=BEARER).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="10">' in page
    assert "now@example.org" in page and "long-ago@example.org" not in page
    assert 'id="poller"' in page and 'id="sync"' in page


@pytest.mark.parametrize(
    "value", ["a//b@x.com", "/lead@x.com", "trail/@x.com", "..", ".", "a/./b@x", "50%25off@x", "a+b@x"]
)
def test_any_value_survives_its_link(app: Flask, engine: Engine, value: str) -> None:
    """Slashes anywhere (leading, doubled), dot steps and percent signs: the link finds the same value."""
    add_event(engine, message_id="one@example.com", recipient=value)
    client = app.test_client()
    page = client.get("/dashboard/messages/one@example.com", headers=BEARER).get_data(as_text=True)
    [link] = links(page, "recipient-link")
    assert "/" not in link.removeprefix("/dashboard/recipients/")
    assert link.removeprefix("/dashboard/recipients/").strip(".") != ""  # no dot step for a browser
    answer = client.get(link, headers=BEARER)
    assert answer.status_code == 200
    assert 'class="event type-delivered"' in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/dashboard/domains", "/dashboard/dead-letters", "/dashboard/sync"])
def test_every_page_carries_the_search_and_the_security_headers(app: Flask, path: str) -> None:
    answer = signed_in(app).get(path)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert 'id="search"' in page and 'name="csrf_token"' in page  # the sign-out form's
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert "<script" not in page


def _encoded(value: str) -> str:
    from app.dashboard.access import WholeValue

    return WholeValue(None).to_url(value)  # type: ignore[arg-type]


def _event_rows(page: str) -> list[str]:
    import re

    return re.findall(r'<tr id="event-([a-z]+-\d+)"', page)


def _older(page: str) -> str | None:
    import re
    from html import unescape

    found = re.search(r'<a id="older" href="([^"]+)"', page)
    return unescape(found[1]) if found else None


def test_a_refusal_gets_the_security_headers_too(app: Flask) -> None:
    answer = app.test_client().get("/dashboard/messages/none@example.com", headers=BEARER)
    assert answer.status_code == 404
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    refused = app.test_client().post("/dashboard/sync/1/retry")
    assert refused.status_code == 403 and refused.headers["X-Content-Type-Options"] == "nosniff"
