"""The worker's start refreshes the list mirror: real gunicorn, a real Celery worker with beat, a fake Mailgun
per region seeded with mailing lists before anything starts (so the mirror starts cold).

A complaint posted as soon as the service answers is drained long before the first scheduled refresh
(MAILHOOK_LIST_REFRESH_SECONDS, 15 minutes by default): the complainer must end unsubscribed from every list
of the region all the same, within seconds, the other members and the other region's lists untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import Service
from tests.e2e.lists_support import complaint, subscribed, wait_for
from tests.fakemailgun import FakeMailgun

pytestmark = pytest.mark.e2e

MAILGUN_KEY = "key-e2e-lists"
US_DOMAIN, EU_DOMAIN = "example.com", "example.eu"
BOB, CAROL, DAVE = "bob@example.org", "carol@example.org", "dave@example.org"
US_LISTS = {"team@example.com": (BOB, CAROL), "news@example.com": (BOB, DAVE)}
EU_LIST = "team@example.eu"
SETTLE_SECONDS = 20.0


@pytest.fixture
def fakes() -> Iterator[tuple[FakeMailgun, FakeMailgun]]:
    """Both regions' Mailgun, their lists seeded before the service starts."""
    with (
        FakeMailgun(region="us", api_key=MAILGUN_KEY, domains=[US_DOMAIN]) as us,
        FakeMailgun(region="eu", api_key=MAILGUN_KEY, domains=[EU_DOMAIN]) as eu,
    ):
        for list_address, members in US_LISTS.items():
            for member in members:
                us.add_member(list_address, member)
        eu.add_member(EU_LIST, BOB)
        yield us, eu
        assert us.invalid_requests == [] and eu.invalid_requests == []


@pytest.fixture
def service_env(service_env: dict[str, str], fakes: tuple[FakeMailgun, FakeMailgun]) -> dict[str, str]:
    us, eu = fakes
    return {
        **service_env,
        "MAILGUN_API_KEY": MAILGUN_KEY,
        "MAILGUN_API_BASE_US": us.url,
        "MAILGUN_API_BASE_EU": eu.url,
        "MAILGUN_DOMAINS": f"{US_DOMAIN}:us,{EU_DOMAIN}:eu",
        "MAILHOOK_SYNC_INTERVAL_SECONDS": "1",
        # No scheduled refresh within the test: only the one beat sends as it starts can fill the mirror.
        "MAILHOOK_LIST_REFRESH_SECONDS": "3600",
    }


def test_a_complaint_drained_before_any_scheduled_refresh_unsubscribes_from_the_seeded_lists(
    service: Service, fakes: tuple[FakeMailgun, FakeMailgun]
) -> None:
    us, eu = fakes
    answer = httpx.post(
        f"{service.base_url}/webhooks/mailgun",
        content=json.dumps(complaint(BOB, US_DOMAIN)),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text

    unsubscribed = wait_for(
        lambda: all(not subscribed(us, address)[BOB] for address in US_LISTS), SETTLE_SECONDS
    )

    assert unsubscribed, service.logs()
    assert subscribed(us, "team@example.com") == {BOB: False, CAROL: True}
    assert subscribed(us, "news@example.com") == {BOB: False, DAVE: True}
    member_writes = sorted(call.path for call in us.calls_to("PUT", "/v3/lists/"))
    assert member_writes == [f"/v3/lists/{address}/members/{BOB}" for address in sorted(US_LISTS)]
    assert subscribed(eu, EU_LIST) == {BOB: True}  # a US complaint says nothing of the EU's lists
    assert [call for call in eu.calls if call.method != "GET"] == []
