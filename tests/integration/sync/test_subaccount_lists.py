"""A subaccount's mailing lists: mirrored on its behalf beside the parent's, and its members unsubscribed on
its behalf, whether MAILGUN_SUBACCOUNTS names its domain or Mailgun's domain list says whose it is. The fake
holds the subaccount, its domain and its list from before the service first calls, and shows the list to no
one else (a call without `X-Mailgun-On-Behalf-Of` gets 404, as from Mailgun)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.core.settings import Settings
from tests.fakemailgun import FakeMailgun
from tests.integration.sync_support import (
    EU_DOMAINS,
    KEY,
    US_DOMAINS,
    World,
    event,
    world_settings,
)
from workers.mailgun import subaccounts

SUB, ACCOUNT = "mg.client.example", "6fr783930fhhriu673"
THEIRS, OURS, BOB = f"team@{SUB}", "team@example.com", "bob@x.org"
ELSEWHERE = "news@lists.client.example"  # the subaccount's too, at a domain no one configured
BEHALF = "X-Mailgun-On-Behalf-Of"


@pytest.fixture(params=["configured", "discovered"])
def world(
    request: pytest.FixtureRequest, db_url: str, settings_for: Callable[..., Settings]
) -> Iterator[World]:
    subaccounts.forget()
    us = FakeMailgun("us", KEY, US_DOMAINS, subaccounts={ACCOUNT: [SUB]})
    us.add_list(THEIRS, owner=ACCOUNT)
    us.add_member(THEIRS, BOB)
    us.add_list(ELSEWHERE, owner=ACCOUNT)
    us.add_member(ELSEWHERE, BOB)
    us.add_member(OURS, BOB)
    how: dict[str, Any] = (
        {"subaccounts": {SUB: ACCOUNT}} if request.param == "configured" else {"discover_subaccounts": True}
    )
    with us, FakeMailgun("eu", KEY, EU_DOMAINS) as eu:
        regions = {**dict.fromkeys(US_DOMAINS, "us"), SUB: "us", **dict.fromkeys(EU_DOMAINS, "eu")}
        settings = world_settings(settings_for, db_url, us, eu, domain_regions=regions, **how)
        world = World(settings, us, eu)
        yield world
        world.close()
        assert us.invalid_requests == [] and eu.invalid_requests == []
    subaccounts.forget()


def test_a_subaccounts_list_is_mirrored_and_unsubscribed_on_its_behalf(world: World) -> None:
    assert world.refresh("us").lists == 3
    assert {(row[1], row[2]) for row in world.mirror()} == {(OURS, BOB), (THEIRS, BOB), (ELSEWHERE, BOB)}
    listings = {c.headers.get(BEHALF) for c in world.us.calls if c.path == "/v3/lists/pages"}
    assert listings == {None, ACCOUNT}  # the parent's lists, then the subaccount's

    world.deliver(event("bounce", BOB, "mg.example.com"))
    world.push_until_settled("us")

    assert [m["subscribed"] for m in world.us.members(THEIRS)] == [False]
    assert [m["subscribed"] for m in world.us.members(OURS)] == [False]
    assert [m["subscribed"] for m in world.us.members(ELSEWHERE)] == [False]
    puts = [(c.path, c.status, c.headers.get(BEHALF)) for c in world.us.calls if c.method == "PUT"]
    assert sorted(puts, key=str) == [
        (f"/v3/lists/{ELSEWHERE}/members/{BOB}", 200, ACCOUNT),
        (f"/v3/lists/{ELSEWHERE}/members/{BOB}", 404, None),  # not the parent's list: asked on behalf
        (f"/v3/lists/{OURS}/members/{BOB}", 200, None),
        (f"/v3/lists/{THEIRS}/members/{BOB}", 200, ACCOUNT),
    ]
    assert [b["address"] for b in world.us.bounces(SUB)] == [BOB]  # its suppressions on its behalf too
    assert {a.status for a in world.actions()} == {"done"}
