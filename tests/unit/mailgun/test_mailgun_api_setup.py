"""The client's event log, webhook and route calls against the fake Mailgun (spec-validated requests)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.fakemailgun import FakeMailgun
from workers.mailgun.client import (
    LogsUnavailable,
    MailgunClient,
    MailgunError,
    Pacing,
    WrongRegion,
    _urls_of,
    events_url,
)
from workers.mailgun.logs import LOGS_PATH, logs_query

KEY = "key-setup-0123456789"
DOMAIN = "mg.example.com"
FAST = Pacing(timeout=2.0, retries=1, backoff=0.01, max_wait=1.0)


@pytest.fixture
def fake() -> Iterator[FakeMailgun]:
    with FakeMailgun(region="us", api_key=KEY, domains=[DOMAIN]) as fake:
        yield fake
    fake.assert_all_requests_valid()


@pytest.fixture
def client(fake: FakeMailgun) -> Iterator[MailgunClient]:
    with MailgunClient("us", fake.url, KEY, [DOMAIN], FAST) as client:
        yield client


def test_event_pages_are_read_oldest_first_and_followed(fake: FakeMailgun, client: MailgunClient) -> None:
    fake.add_events(
        DOMAIN, [{"event": "delivered", "timestamp": 1_700_000_000 + i, "id": f"e{i}"} for i in range(5)]
    )

    first = client.event_page("us", DOMAIN, events_url(DOMAIN, 1_700_000_001, 1_700_000_003, limit=2))
    second = client.event_page("us", DOMAIN, first.next_url or "")
    third = client.event_page("us", DOMAIN, second.next_url or "")

    assert [i["id"] for i in first.items] == ["e1", "e2"]
    assert [i["id"] for i in second.items] == ["e3"]
    assert third.items == []
    assert first.next_url is not None and first.next_url.startswith(f"/v3/{DOMAIN}/events/")


def test_a_paging_link_to_another_host_is_followed_on_ours(fake: FakeMailgun, client: MailgunClient) -> None:
    page = client.event_page("us", DOMAIN, f"https://elsewhere.example{events_url(DOMAIN, 1, 2)}")
    assert page.items == []
    assert len(fake.calls_to("GET", f"/v3/{DOMAIN}/events")) == 1


def test_an_error_page_raises_with_mailguns_words(fake: FakeMailgun, client: MailgunClient) -> None:
    with pytest.raises(MailgunError, match="answered 401: Forbidden"):
        MailgunClient("us", fake.url, "key-wrong", [DOMAIN], FAST).event_page(
            "us", DOMAIN, events_url(DOMAIN, 1, 2)
        )


def test_webhooks_are_created_read_and_updated(fake: FakeMailgun, client: MailgunClient) -> None:
    assert client.webhooks("us", DOMAIN) == {}
    assert client.create_webhook("us", DOMAIN, "delivered", ["https://a.example/h"]).ok
    assert client.update_webhook("us", DOMAIN, "delivered", ["https://a.example/h", "https://b.example/h"]).ok
    assert client.webhooks("us", DOMAIN) == {"delivered": ["https://a.example/h", "https://b.example/h"]}
    [put] = fake.calls_to("PUT")
    assert put.form == {"url": ["https://a.example/h", "https://b.example/h"]}


def test_routes_are_paged_by_skip(fake: FakeMailgun, client: MailgunClient) -> None:
    for n in range(1001):
        fake.add_route(f"match_recipient('r{n}@x.example')", ["stop()"])
    assert len(client.routes("us")) == 1001
    assert [c.query["skip"] for c in fake.calls_to("GET", "/v3/routes")] == ["0", "1000"]


def test_a_route_is_created_with_every_action(fake: FakeMailgun, client: MailgunClient) -> None:
    reply = client.create_route("us", "catch_all()", ['forward("https://h.example/in")', "stop()"], 5, "ours")
    assert reply.ok
    [route] = fake.routes()
    assert (route["actions"], route["priority"], route["description"]) == (
        ['forward("https://h.example/in")', "stop()"], 5, "ours")  # fmt: skip


def test_another_regions_domain_is_refused_before_any_request(
    fake: FakeMailgun, client: MailgunClient
) -> None:
    with pytest.raises(WrongRegion):
        client.webhooks("us", "mg.example.eu")
    with pytest.raises(WrongRegion):
        client.routes("eu")
    assert fake.calls == []


@pytest.mark.parametrize(
    ("value", "urls"),
    [
        ({"urls": ["https://a", 3, "https://b"]}, ["https://a", "https://b"]),
        ({"url": "https://a"}, ["https://a"]),  # the older single-URL shape
        ({"urls": None}, []),
        ("https://a", []),
    ],
)
def test_webhook_urls_in_every_shape(value: object, urls: list[str]) -> None:
    assert _urls_of(value) == urls


def test_log_pages_are_read_with_the_same_query_and_the_next_token(
    fake: FakeMailgun, client: MailgunClient
) -> None:
    fake.add_events(
        DOMAIN, [{"id": f"e{n}", "event": "delivered", "timestamp": 1_700_000_001 + n} for n in range(3)]
    )
    start, end = datetime.fromtimestamp(1_700_000_000, UTC), datetime.fromtimestamp(1_700_000_010, UTC)

    first = client.log_page("us", DOMAIN, logs_query(DOMAIN, start, end, limit=2))
    second = client.log_page("us", DOMAIN, logs_query(DOMAIN, start, end, first.next_token, limit=2))

    assert [item["id"] for item in first.items + second.items] == ["e0", "e1", "e2"]
    assert first.next_token and second.next_token is None
    [call, _] = fake.calls_to("POST", LOGS_PATH)
    assert call.json["start"] == "Tue, 14 Nov 2023 22:13:20 +0000"


@pytest.mark.parametrize("status", [403, 404])
def test_a_refused_logs_api_says_so(fake: FakeMailgun, client: MailgunClient, status: int) -> None:
    fake.fail_next(1, status=status, path_prefix=LOGS_PATH)
    moment = datetime.fromtimestamp(1_700_000_000, UTC)
    with pytest.raises(LogsUnavailable, match=str(status)):
        client.log_page("us", DOMAIN, logs_query(DOMAIN, moment, moment))


def test_a_refused_key_on_the_logs_api_is_no_fallback(fake: FakeMailgun) -> None:
    moment = datetime.fromtimestamp(1_700_000_000, UTC)
    with (
        MailgunClient("us", fake.url, "key-wrong", [DOMAIN], FAST) as wrong,
        pytest.raises(MailgunError) as caught,
    ):
        wrong.log_page("us", DOMAIN, logs_query(DOMAIN, moment, moment))
    assert not isinstance(caught.value, LogsUnavailable) and "401" in str(caught.value)
    with pytest.raises(WrongRegion):
        wrong.log_page("us", "elsewhere.example", logs_query("elsewhere.example", moment, moment))
