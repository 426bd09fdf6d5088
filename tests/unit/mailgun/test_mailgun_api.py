"""The region-bound Mailgun client against the fake Mailgun over real HTTP: retries, 429, timeouts, regions.

Sleeps are recorded instead of slept (the fake answers at once), so the waits the client chose are asserted
exactly; only the timeout test waits for real, a fraction of a second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from email.utils import formatdate

import pytest

from app.core.settings import Settings
from tests.fakemailgun import FakeMailgun
from workers.mailgun.client import MailgunClient, Pacing, RateLimited, Unavailable, WrongRegion

KEY = "key-sync-secret-0123456789"
US_DOMAIN = "mg.example.com"
OTHER_US_DOMAIN = "news.example.com"
EU_DOMAIN = "mg.example.eu"
DATE = "Thu, 11 Dec 2025 01:49:40 UTC"
# A generous timeout: a loaded machine must not turn a slow answer into a retry (the hang tests lower it).
FAST = Pacing(timeout=3.0, retries=2, backoff=0.1, max_wait=5.0)
IMPATIENT = Pacing(timeout=0.3, retries=2, backoff=0.1, max_wait=5.0)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fake() -> Iterator[FakeMailgun]:
    with FakeMailgun(region="us", api_key=KEY, domains=[US_DOMAIN, OTHER_US_DOMAIN]) as fake:
        yield fake
    assert fake.invalid_requests == []


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(fake: FakeMailgun, sleeps: Sleeps) -> Iterator[MailgunClient]:
    # jitter 1.0: the backoff is its ceiling, so the expected waits are exact.
    with MailgunClient("us", fake.url, KEY, [US_DOMAIN, OTHER_US_DOMAIN], FAST, sleep=sleeps,
                       jitter=lambda: 1.0) as client:  # fmt: skip
        yield client


def bounce(address: str) -> dict[str, str]:
    return {"address": address, "code": "550", "error": "No such mailbox", "created_at": DATE}


def test_bounces_are_added_with_basic_auth(fake: FakeMailgun, client: MailgunClient) -> None:
    reply = client.add_suppressions("us", US_DOMAIN, "bounces", [bounce("a@x.org"), bounce("b@x.org")])
    assert reply.ok
    assert [b["address"] for b in fake.bounces(US_DOMAIN)] == ["a@x.org", "b@x.org"]
    assert [(c.method, c.path, c.headers["Authorization"]) for c in fake.calls] == [
        ("POST", f"/v3/{US_DOMAIN}/bounces", "api:***")
    ]


def test_5xx_is_retried_with_growing_backoff(
    fake: FakeMailgun, client: MailgunClient, sleeps: Sleeps
) -> None:
    fake.fail_next(2, status=503)
    assert client.add_suppressions(
        "us", US_DOMAIN, "complaints", [{"address": "c@x.org", "created_at": DATE}]
    ).ok
    assert [c.status for c in fake.calls] == [503, 503, 200]
    assert sleeps == pytest.approx([0.1, 0.2])
    assert [c["address"] for c in fake.complaints(US_DOMAIN)] == ["c@x.org"]


def test_5xx_past_the_retries_raises_unavailable(fake: FakeMailgun, client: MailgunClient) -> None:
    fake.fail_next(3, status=500)
    with pytest.raises(Unavailable, match="500"):
        client.add_suppressions("us", US_DOMAIN, "bounces", [bounce("a@x.org")])
    assert [c.status for c in fake.calls] == [500, 500, 500]
    assert fake.bounces(US_DOMAIN) == []


def test_jitter_spreads_the_backoff_between_half_and_all_of_it(fake: FakeMailgun, sleeps: Sleeps) -> None:
    pacing = Pacing(timeout=1, retries=1, backoff=2.0, max_wait=1)
    low = MailgunClient("us", fake.url, KEY, [US_DOMAIN], pacing, sleep=sleeps, jitter=lambda: 0.0)
    fake.fail_next(1, status=502)
    assert low.add_suppressions("us", US_DOMAIN, "bounces", [bounce("a@x.org")]).ok
    low.close()
    assert sleeps == [1.0]


def test_429_with_retry_after_pauses_then_goes_on(
    fake: FakeMailgun, client: MailgunClient, sleeps: Sleeps
) -> None:
    fake.fail_next(1, status=429, retry_after=2)
    assert client.add_suppressions("us", US_DOMAIN, "bounces", [bounce("a@x.org")]).ok
    assert [c.status for c in fake.calls] == [429, 200]
    assert sleeps == [pytest.approx(2.0, abs=0.2)]


def test_429_without_retry_after_uses_the_body_retry_seconds(
    fake: FakeMailgun, client: MailgunClient, sleeps: Sleeps
) -> None:
    fake.fail_next(1, status=429, body_retry_seconds=3)
    assert client.unsubscribe_member("us", "list@example.com", "a@x.org").status == 404  # no such list
    assert [c.status for c in fake.calls] == [429, 404]
    assert sleeps == [pytest.approx(3.0, abs=0.2)]


def test_429_with_neither_uses_the_backoff(fake: FakeMailgun, client: MailgunClient, sleeps: Sleeps) -> None:
    fake.fail_next(1, status=429)
    assert client.add_suppressions("us", US_DOMAIN, "bounces", [bounce("a@x.org")]).ok
    assert sleeps == [pytest.approx(0.1, abs=0.05)]


def test_429_with_an_http_date_retry_after(fake: FakeMailgun, client: MailgunClient, sleeps: Sleeps) -> None:
    fake.fail_next(1, status=429, retry_after=formatdate(time.time() + 4, usegmt=True))
    assert client.add_suppressions("us", US_DOMAIN, "bounces", [bounce("a@x.org")]).ok
    assert sleeps == [pytest.approx(4.0, abs=1.1)]


def test_a_long_429_pauses_the_region_without_further_calls(fake: FakeMailgun, client: MailgunClient) -> None:
    fake.fail_next(1, status=429, retry_after=60)
    with pytest.raises(RateLimited) as caught:
        client.add_suppressions("us", US_DOMAIN, "bounces", [bounce("a@x.org")])
    assert caught.value.until == pytest.approx(time.time() + 60, abs=2)
    with pytest.raises(RateLimited):  # the other domain of the region waits too, and nothing is sent
        client.add_suppressions("us", OTHER_US_DOMAIN, "bounces", [bounce("a@x.org")])
    assert [c.status for c in fake.calls] == [429]


def test_429_on_every_attempt_raises_rate_limited(fake: FakeMailgun, client: MailgunClient) -> None:
    fake.fail_next(3, status=429, retry_after=1)
    with pytest.raises(RateLimited):
        client.add_suppressions("us", US_DOMAIN, "bounces", [bounce("a@x.org")])
    assert [c.status for c in fake.calls] == [429, 429, 429]


def test_a_hung_request_times_out_and_is_retried(fake: FakeMailgun) -> None:
    fake.hang_next(1, 1.0)
    started = time.monotonic()
    with MailgunClient("us", fake.url, KEY, [US_DOMAIN], IMPATIENT) as client:
        assert client.add_suppressions("us", US_DOMAIN, "bounces", [bounce("a@x.org")]).ok
    assert time.monotonic() - started < 0.9  # gave up on the hung call instead of waiting it out
    assert [b["address"] for b in fake.bounces(US_DOMAIN)] == ["a@x.org"]


def test_404_and_other_4xx_are_answers_not_errors(fake: FakeMailgun, client: MailgunClient) -> None:
    gone = client.delete_suppression("us", US_DOMAIN, "bounces", "nobody@x.org")
    assert (gone.status, gone.message) == (404, "Address not found in bounces table")
    assert [c.status for c in fake.calls] == [404]


def test_a_batch_over_1000_is_refused_before_sending(fake: FakeMailgun, client: MailgunClient) -> None:
    with pytest.raises(ValueError, match="1000"):
        client.add_suppressions("us", US_DOMAIN, "bounces", [bounce(f"u{i}@x.org") for i in range(1001)])
    assert fake.calls == []


def test_data_of_another_region_is_refused_before_any_io(fake: FakeMailgun, client: MailgunClient) -> None:
    with pytest.raises(WrongRegion, match="'eu' data"):
        client.add_suppressions("eu", US_DOMAIN, "bounces", [bounce("a@x.org")])
    with pytest.raises(WrongRegion, match="not configured"):
        client.add_suppressions("us", EU_DOMAIN, "bounces", [bounce("a@x.org")])
    with pytest.raises(WrongRegion):
        client.unsubscribe_member("eu", "list@example.eu", "a@x.org")
    with pytest.raises(WrongRegion):
        list(client.members("eu", "list@example.eu"))
    assert fake.calls == []


def test_each_region_gets_its_own_host_from_the_settings() -> None:
    with FakeMailgun("us", KEY, [US_DOMAIN]) as us, FakeMailgun("eu", KEY, [EU_DOMAIN]) as eu:
        settings = Settings(api_key=KEY, api_bases={"us": us.url, "eu": eu.url},
                            domain_regions={US_DOMAIN: "us", EU_DOMAIN: "eu"})  # fmt: skip
        with MailgunClient.for_region(settings, "eu") as client:
            assert client.base_url == eu.url
            assert client.add_suppressions("eu", EU_DOMAIN, "bounces", [bounce("a@x.org")]).ok
            with pytest.raises(WrongRegion):
                client.add_suppressions("us", US_DOMAIN, "bounces", [bounce("a@x.org")])
        assert us.calls == []
        assert len(eu.calls) == 1


def test_lists_and_members_follow_the_pages(fake: FakeMailgun, client: MailgunClient) -> None:
    for i in range(250):
        fake.add_member("big@example.com", f"m{i:03d}@x.org", subscribed=i % 2 == 0)
    fake.add_list("empty@example.com")
    assert [item["address"] for item in client.lists("us")] == ["big@example.com", "empty@example.com"]
    members = list(client.members("us", "big@example.com"))
    assert len(members) == 250
    assert members[1] == {"address": "m001@x.org", "name": "", "vars": {}, "subscribed": False}
    assert (
        len(fake.calls_to("GET", "/v3/lists/big@example.com/members/pages")) == 4
    )  # 3 full pages, then empty


def test_unsubscribe_member_changes_only_subscribed(fake: FakeMailgun, client: MailgunClient) -> None:
    fake.add_member("team@example.com", "a+tag@x.org", name="Ann", vars={"plan": "pro"})
    assert client.unsubscribe_member("us", "team@example.com", "a+tag@x.org").ok
    assert fake.members("team@example.com") == [
        {"address": "a+tag@x.org", "name": "Ann", "vars": {"plan": "pro"}, "subscribed": False}
    ]


def test_the_key_never_reaches_a_log_line_an_error_or_a_repr(
    fake: FakeMailgun, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.fail_next(3, status=500)
    fake.hang_next(1, 1.0)
    errors: list[str] = []
    with MailgunClient("us", fake.url, KEY, [US_DOMAIN], IMPATIENT) as client:
        for _ in range(2):
            try:
                client.add_suppressions("us", US_DOMAIN, "bounces", [bounce("a@x.org")])
            except Unavailable as exc:
                errors.append(str(exc))
        errors.append(repr(client))
    assert errors and any("500" in e for e in errors)
    assert caplog.records  # httpx logs every request: the check below has something to look at
    assert KEY not in caplog.text
    assert all(KEY not in e for e in errors)
