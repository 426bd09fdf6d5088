"""push_sync against fake Mailgun hosts: bulk calls of at most 1000, and recovery from 429, 5xx and hung
requests with nothing lost and nothing acknowledged sent twice. Real Postgres and SQLite.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import insert, select

from app.core.models.sync import SyncAction, SyncPause
from tests.integration.sync_support import World, event, sent, writes

NEWS = "/v3/news.example.com/bounces"
SHOP = "/v3/shop.example.com/bounces"


def bounce_many(world: World, n: int, domain: str = "mg.example.com") -> list[str]:
    addresses = [f"user{i:04d}@example.org" for i in range(n)]
    for address in addresses:
        world.post(event("bounce", address, domain))
    world.drain()
    return addresses


def acknowledged(world: World, path: str) -> Counter[str]:
    """How often each address was in a call Mailgun answered 2xx."""
    return Counter(address for call in sent(world.us.calls, "POST", path) for address in call)


def test_1500_bounces_at_once_go_out_in_calls_of_at_most_1000(world: World) -> None:
    addresses = bounce_many(world, 1500)
    assert len(world.actions(status="pending")) == 3000
    result = world.push("us")
    assert (result.claimed, result.done, result.calls) == (3000, 3000, 4)
    for path in (NEWS, SHOP):
        assert [len(call) for call in sent(world.us.calls, "POST", path)] == [1000, 500]
        assert acknowledged(world, path) == Counter(addresses)
    assert len(world.us.bounces("news.example.com")) == 1500
    assert world.us.calls_to(path_prefix="/v3/mg.example.com") == []
    assert world.eu.calls == []


def test_a_long_429_pauses_the_region_and_nothing_is_lost_or_sent_twice(world: World) -> None:
    addresses = bounce_many(world, 3)
    world.us.fail_next(1, status=429, retry_after=1)  # longer than the client may wait (0.5 s)
    first = world.push("us")
    assert first.paused and first.done == 0
    assert [(c.method, c.status) for c in world.us.calls] == [("POST", 429)]
    assert world.push("us").paused  # the region waits: no call at all
    assert len(world.us.calls) == 1
    with world.engine.connect() as connection:
        until = connection.scalar(select(SyncPause.paused_until).where(SyncPause.region == "us"))
    assert until is not None and until > datetime.now(UTC)
    time.sleep(1.1)
    assert world.push("us").done == 6
    for path in (NEWS, SHOP):
        assert acknowledged(world, path) == Counter(addresses)
    assert {(a.status, a.attempts) for a in world.actions()} == {("done", 1)}


def test_a_short_429_with_body_retry_seconds_is_waited_out_in_the_same_run(world: World) -> None:
    addresses = bounce_many(world, 2)
    world.us.fail_next(1, status=429, body_retry_seconds=0.2)
    assert world.push("us").done == 4
    assert [c.status for c in world.us.calls] == [429, 200, 200]
    assert acknowledged(world, NEWS) == Counter(addresses)


def test_5xx_past_the_client_retries_is_retried_later_and_lands_once(world: World) -> None:
    addresses = bounce_many(world, 2)
    world.us.fail_next(3, status=503)  # every in-call attempt of the first call
    first = world.push("us")
    assert (first.done, first.retried) == (0, 2)
    failed = world.actions(domain="news.example.com")
    assert {(a.status, a.attempts) for a in failed} == {("pending", 1)}
    assert all(a.last_error.startswith("503") for a in failed)
    assert writes(world.us) == world.us.calls[:3]  # the other domain was not tried against a failing host
    world.push_until_settled("us")
    for path in (NEWS, SHOP):
        assert acknowledged(world, path) == Counter(addresses)
    assert {a.status for a in world.actions()} == {"done"}


def test_a_hung_request_times_out_is_retried_and_the_state_holds_each_address_once(world: World) -> None:
    addresses = bounce_many(world, 2)
    world.settings = replace(world.settings, sync=replace(world.settings.sync, api_timeout=0.3))
    world.us.hang_next(1, 0.8, method="POST")
    started = time.monotonic()
    assert world.push("us").done == 4
    assert time.monotonic() - started < 0.8
    time.sleep(0.9)  # the fake finishes the abandoned request: at least once on the wire, as with Mailgun
    assert sorted(b["address"] for b in world.us.bounces("news.example.com")) == addresses
    assert sorted(b["address"] for b in world.us.bounces("shop.example.com")) == addresses


def test_rows_die_after_the_last_attempt_and_the_suppression_shows_it(world: World) -> None:
    bounce_many(world, 1)
    world.us.fail_next(100, status=500, path_prefix=NEWS)
    deadline = time.monotonic() + 10
    while world.actions(domain="news.example.com", status="pending"):
        assert time.monotonic() < deadline
        world.push("us")
        time.sleep(0.05)
    (dead,) = world.actions(domain="news.example.com")
    assert (dead.status, dead.attempts) == ("dead", 3)
    assert ("us", "news.example.com", "user0000@example.org", "bounce", "failed") in world.suppressions()
    world.push_until_settled("us")  # the other domain waited while the failing call stopped each run
    assert world.actions(domain="shop.example.com")[0].status == "done"
    assert len(world.us.calls_to("POST", NEWS)) == 9  # 3 attempts of 3 tries, then never again


def test_a_refused_bulk_call_is_halved_to_isolate_the_refused_rows(world: World) -> None:
    addresses = bounce_many(world, 4)
    # Refused: the 4, then their first half (2), then its first address; the others go through.
    world.us.fail_next(3, status=400, path_prefix=NEWS)
    world.push("us")
    news = {a.address: (a.status, a.last_error) for a in world.actions(domain="news.example.com")}
    assert news == {
        addresses[0]: ("failed", "400: Bad Request"),
        **{address: ("done", None) for address in addresses[1:]},
    }
    assert [len(call) for call in sent(world.us.calls, "POST", NEWS)] == [1, 2]
    assert [c.status for c in world.us.calls_to("POST", NEWS)] == [400, 400, 400, 200, 200]


def test_an_unknown_domain_at_mailgun_fails_with_its_answer(world: World) -> None:
    world.us.state.domains.remove("shop.example.com")  # configured here, missing on that Mailgun host
    bounce_many(world, 2)
    world.push("us")
    shop = world.actions(domain="shop.example.com")
    assert {(a.status, a.last_error) for a in shop} == {("failed", "404: Domain not found")}
    assert len(world.us.calls_to("POST", SHOP)) == 1  # a 404 is not the data's fault: no halving


def _insert_action(world: World, **values: object) -> None:
    now = datetime.now(UTC)
    row = {
        "region": "us",
        "payload": {},
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
        **values,
    }
    with world.engine.begin() as connection:
        connection.execute(insert(SyncAction), row)


def test_a_row_naming_a_domain_of_another_region_is_refused_without_any_call(world: World) -> None:
    record = {"code": "550", "error": "", "created_at": "Thu, 11 Dec 2025 01:49:40 GMT"}
    _insert_action(
        world, idempotency_key="k1", kind="bounce", domain="mg.example.eu", address="a@x.org", payload=record
    )
    world.push("us")
    (row,) = world.actions()
    assert row.status == "failed" and "not configured in region 'us'" in row.last_error
    assert world.us.calls == [] and world.eu.calls == []


def test_deleting_an_absent_suppression_counts_as_done(world: World) -> None:
    world.us.add_bounce("news.example.com", "present@x.org")
    _insert_action(
        world, idempotency_key="d1", kind="bounce_delete", domain="news.example.com", address="absent@x.org"
    )
    _insert_action(
        world, idempotency_key="d2", kind="bounce_delete", domain="news.example.com", address="present@x.org"
    )
    assert world.push("us").done == 2
    assert [a.last_error for a in world.actions()] == [
        "already absent (404: Address not found in bounces table)",
        None,
    ]
    assert world.us.bounces("news.example.com") == []
