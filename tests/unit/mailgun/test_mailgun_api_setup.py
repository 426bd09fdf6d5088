"""The client's Events API, webhook and route calls against the fake Mailgun (spec-validated requests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakemailgun import FakeMailgun
from workers.mailgun.client import MailgunClient, MailgunError, Pacing, WrongRegion, _urls_of, events_url

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
