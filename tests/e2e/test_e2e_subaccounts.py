"""A subaccount that existed before mailhook started, found through Mailgun's API: real gunicorn, a real
Celery worker with beat, a fake Mailgun holding the subaccount, its domain and its mailing list from the
start, and `MAILGUN_DISCOVER_SUBACCOUNTS=true` with no subaccount named anywhere.

A complaint on the parent's domain must end with the complainer unsubscribed from the parent's list and from
the subaccount's (which only a call on its behalf can see), and the complaint recorded on the subaccount's
domain too (Mailgun already holds it on the domain it came from).
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

MAILGUN_KEY = "key-e2e-subaccounts"
US_DOMAIN, SUB_DOMAIN, EU_DOMAIN = "example.com", "mg.client.example", "example.eu"
ACCOUNT = "6fr783930fhhriu673"
OURS, THEIRS = "team@example.com", f"team@{SUB_DOMAIN}"
BOB, CAROL = "bob@example.org", "carol@example.org"
SETTLE_SECONDS = 30.0
BEHALF = "X-Mailgun-On-Behalf-Of"


@pytest.fixture
def fakes() -> Iterator[tuple[FakeMailgun, FakeMailgun]]:
    with (
        FakeMailgun("us", MAILGUN_KEY, [US_DOMAIN], subaccounts={ACCOUNT: [SUB_DOMAIN]}) as us,
        FakeMailgun("eu", MAILGUN_KEY, [EU_DOMAIN]) as eu,
    ):
        us.add_member(OURS, BOB)
        us.add_list(THEIRS, owner=ACCOUNT)
        us.add_member(THEIRS, BOB)
        us.add_member(THEIRS, CAROL)
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
        "MAILGUN_DOMAINS": f"{US_DOMAIN}:us,{SUB_DOMAIN}:us,{EU_DOMAIN}:eu",
        "MAILGUN_DISCOVER_SUBACCOUNTS": "true",
        "MAILHOOK_SYNC_INTERVAL_SECONDS": "1",
        "MAILHOOK_LIST_REFRESH_SECONDS": "3600",
    }


def test_a_discovered_subaccounts_list_and_domain_are_served_on_its_behalf(
    service: Service, fakes: tuple[FakeMailgun, FakeMailgun]
) -> None:
    us, _ = fakes
    answer = httpx.post(
        f"{service.base_url}/webhooks/mailgun",
        content=json.dumps(complaint(BOB, US_DOMAIN)),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text

    def settled() -> bool:
        lists_done = not subscribed(us, OURS)[BOB] and not subscribed(us, THEIRS)[BOB]
        return lists_done and [c["address"] for c in us.complaints(SUB_DOMAIN)] == [BOB]

    assert wait_for(settled, SETTLE_SECONDS), service.logs()
    assert subscribed(us, THEIRS) == {BOB: False, CAROL: True}
    writes = {
        (c.method, c.path): c.headers.get(BEHALF) for c in us.calls if c.method != "GET" and c.status < 300
    }
    assert writes[("PUT", f"/v3/lists/{THEIRS}/members/{BOB}")] == ACCOUNT
    assert writes[("PUT", f"/v3/lists/{OURS}/members/{BOB}")] is None
    assert writes[("POST", f"/v3/{SUB_DOMAIN}/complaints")] == ACCOUNT
    discoveries = us.calls_to("GET", "/v4/domains")
    assert discoveries and {c.query.get("include_subaccounts") for c in discoveries} == {"true"}
