"""Bounces and complaints end with the address unsubscribed from every list of its region, whatever the mirror
held when the event came: each refresh queues what is still owed. Signed webhooks in, the real drain, refresh
and push, against a fake Mailgun per region (each request checked against Mailgun's spec); Postgres, SQLite.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import delete, select, update

from app.core.models.events import Event
from app.core.models.sync import Suppression
from tests.integration.sync_support import FAST, World, event, fakes, world_settings, writes
from workers.sync.policy import idempotency_key

BOB, CAROL, DAVE = "bob@example.org", "carol@example.org", "dave@example.org"
MEMBER_PUT = "/v3/lists/{}/members/{}"


def subscribed(world: World, list_address: str, region: str = "us") -> dict[str, bool]:
    fake = world.us if region == "us" else world.eu
    return {m["address"]: m["subscribed"] for m in fake.members(list_address)}


def member_puts(world: World) -> list[str]:
    return sorted(c.path for c in writes(world.us) if c.method == "PUT")


def list_actions(world: World) -> list[tuple[str | None, str]]:
    return sorted((a.list_address, a.address) for a in world.actions(kind="list_unsubscribe"))


def stored_event(world: World, recipient: str) -> object:
    with world.engine.connect() as connection:
        return connection.execute(select(Event).where(Event.recipient == recipient)).one()


def test_a_complaint_drained_before_the_first_refresh_is_unsubscribed_by_it(world: World) -> None:
    world.us.add_member("team@example.com", BOB)  # seeded before start: the mirror is still empty
    world.us.add_member("team@example.com", CAROL)
    world.eu.add_member("team@example.eu", BOB)

    world.deliver(event("complaint", BOB, "mg.example.com"))
    assert list_actions(world) == []  # the drain found no list in the cold mirror

    assert world.refresh("us").queued == 1
    [action] = world.actions(kind="list_unsubscribe")
    # The key the event's own plan would have given: a drain that had seen the list adds nothing more.
    assert action.idempotency_key == idempotency_key(
        stored_event(world, BOB), "list_unsubscribe", "team@example.com"
    )
    world.push_until_settled("us")
    assert subscribed(world, "team@example.com") == {BOB: False, CAROL: True}
    assert member_puts(world) == [MEMBER_PUT.format("team@example.com", BOB)]

    assert world.refresh("eu").queued == 0  # a US complaint says nothing of the EU's lists
    assert subscribed(world, "team@example.eu", "eu") == {BOB: True}
    assert writes(world.eu) == []


def test_a_member_added_to_another_list_and_a_list_created_after_the_bounce_are_caught(world: World) -> None:
    world.us.add_member("team@example.com", BOB)
    world.us.add_member("news@example.com", DAVE)
    world.refresh("us")
    world.deliver(event("bounce", BOB, "mg.example.com"))
    world.push_until_settled("us")
    assert list_actions(world) == [("team@example.com", BOB)]

    world.us.add_member("news@example.com", BOB)  # after the bounce, on a list that existed
    world.us.add_member("late@example.com", BOB)  # on a list created after it
    world.us.add_member("late@example.com", DAVE)
    refreshed = world.refresh("us")
    world.push_until_settled("us")

    assert (refreshed.lists, refreshed.members, refreshed.queued) == (3, 5, 2)
    assert subscribed(world, "news@example.com") == {BOB: False, DAVE: True}
    assert subscribed(world, "late@example.com") == {BOB: False, DAVE: True}
    assert member_puts(world) == sorted(
        MEMBER_PUT.format(name, BOB) for name in ("team@example.com", "news@example.com", "late@example.com")
    )
    assert world.refresh("us").queued == 0  # converged: nothing more is owed
    assert {a.status for a in world.actions()} == {"done"}


def test_an_address_re_subscribed_after_its_list_unsubscribe_is_not_fought(world: World) -> None:
    world.us.add_member("team@example.com", BOB)
    world.us.add_member("news@example.com", CAROL)
    world.deliver(event("complaint", BOB, "mg.example.com"))
    world.refresh("us")
    world.push_until_settled("us")
    world.deliver(
        event("unsubscribed", CAROL, "mg.example.com", **{"mailing-list": {"address": "news@example.com"}})
    )
    world.push_until_settled("us")
    assert subscribed(world, "team@example.com") == {BOB: False}
    assert subscribed(world, "news@example.com") == {CAROL: False}

    world.us.add_member("team@example.com", BOB, subscribed=True)  # an operator, or Mailgun, takes them back
    world.us.add_member("news@example.com", CAROL, subscribed=True)
    puts = len(member_puts(world))
    assert world.refresh("us").queued == 0
    world.push_until_settled("us")

    assert subscribed(world, "team@example.com") == {BOB: True}
    assert subscribed(world, "news@example.com") == {CAROL: True}
    assert len(member_puts(world)) == puts


def test_a_bounce_whose_event_was_purged_still_converges_once(world: World) -> None:
    world.us.add_member("team@example.com", BOB)
    world.refresh("us")
    world.deliver(event("bounce", BOB, "mg.example.com"))
    world.push_until_settled("us")
    with world.engine.begin() as connection:  # retention deletes events; suppressions and the outbox stay
        connection.execute(delete(Event))
    world.us.add_member("team@example.com", BOB, subscribed=True)  # re-subscribed by an operator
    world.us.add_member("late@example.com", BOB)

    assert world.refresh("us").queued == 1
    world.push_until_settled("us")
    assert world.refresh("us").queued == 0

    assert subscribed(world, "late@example.com") == {BOB: False}
    assert subscribed(world, "team@example.com") == {BOB: True}
    assert len({a.event_id for a in world.actions(kind="list_unsubscribe")}) == 1


@pytest.mark.parametrize(
    ("sync", "expected"),
    [(replace(FAST, lists=False), []), (replace(FAST, complaints=False), [("team@example.com", CAROL)])],
    ids=["lists-off", "complaints-off"],
)
def test_switched_off_rules_converge_nothing(db_url: str, settings_for, sync, expected) -> None:  # type: ignore[no-untyped-def]
    with fakes() as (us, eu):
        world = World(world_settings(settings_for, db_url, us, eu, sync=sync), us, eu)
        try:
            us.add_member("team@example.com", BOB)
            us.add_member("team@example.com", CAROL)
            world.deliver(event("complaint", BOB, "mg.example.com"))
            world.deliver(event("bounce", CAROL, "mg.example.com"))
            world.refresh("us")
            assert list_actions(world) == expected
        finally:
            world.close()


def test_a_suppression_taken_back_converges_nothing(world: World) -> None:
    world.deliver(event("bounce", DAVE, "mg.example.com"))
    with world.engine.begin() as connection:  # the bounce was removed at every domain
        connection.execute(update(Suppression).values(state="removed"))
    world.us.add_member("team@example.com", DAVE)
    assert world.refresh("us").queued == 0
