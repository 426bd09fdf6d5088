"""Each sync rule end to end: a signed webhook in, the drain, the push, and the calls seen on the right fake
Mailgun only. Real Postgres and SQLite; every request the fakes get is checked against Mailgun's spec.
"""

from __future__ import annotations

from dataclasses import replace

from tests.integration.sync_support import FAST, World, event, fakes, sent, world_settings, writes

BOB = "bob@example.org"


def seed_lists(world: World) -> None:
    world.us.add_member("team@example.com", BOB, name="Bob", vars={"plan": "pro"})
    world.us.add_member("team@example.com", "carol@example.org")
    world.us.add_member("news@example.com", BOB)
    world.us.add_list("empty@example.com")
    world.eu.add_member("team@example.eu", BOB)
    assert world.refresh("us").lists == 3
    assert world.refresh("eu").lists == 1


def test_a_hard_bounce_is_copied_to_the_other_domains_and_unsubscribed_from_the_lists(world: World) -> None:
    seed_lists(world)
    world.deliver(event("bounce", BOB, "mg.example.com"))
    assert [a.kind for a in world.actions()] == ["bounce", "bounce", "list_unsubscribe", "list_unsubscribe"]
    result = world.push("us")
    assert (result.done, result.failed, result.retried) == (4, 0, 0)

    us_writes = {(c.method, c.path) for c in writes(world.us)}
    assert us_writes == {
        ("POST", "/v3/news.example.com/bounces"),
        ("POST", "/v3/shop.example.com/bounces"),
        ("PUT", f"/v3/lists/news@example.com/members/{BOB}"),
        ("PUT", f"/v3/lists/team@example.com/members/{BOB}"),
    }
    assert world.us.bounces("mg.example.com") == []  # Mailgun itself keeps the origin's bounce
    (copy,) = world.us.bounces("news.example.com")
    assert (copy["address"], copy["code"], copy["error"]) == (BOB, "550", "5.1.1 mailbox does not exist")
    team = {m["address"]: m for m in world.us.members("team@example.com")}
    assert team[BOB] == {"address": BOB, "name": "Bob", "vars": {"plan": "pro"}, "subscribed": False}
    assert team["carol@example.org"]["subscribed"] is True
    assert writes(world.eu) == []  # the EU list with the same member is another region's business
    assert world.eu.members("team@example.eu")[0]["subscribed"] is True
    assert world.suppressions() == {
        ("us", "mg.example.com", BOB, "bounce", "observed"),
        ("us", "news.example.com", BOB, "bounce", "synced"),
        ("us", "shop.example.com", BOB, "bounce", "synced"),
    }
    assert ("us", "team@example.com", BOB, False) in world.mirror()
    assert {a.status for a in world.actions()} == {"done"}


def test_a_complaint_is_copied_and_unsubscribed_from_the_lists(world: World) -> None:
    seed_lists(world)
    world.deliver(event("complaint", BOB, "news.example.com"))
    world.push("us")
    assert [c["address"] for c in world.us.complaints("mg.example.com")] == [BOB]
    assert [c["address"] for c in world.us.complaints("shop.example.com")] == [BOB]
    assert world.us.complaints("news.example.com") == []
    assert [m["subscribed"] for m in world.us.members("news@example.com")] == [False]
    assert sent(world.us.calls, "POST", "/v3/mg.example.com/complaints") == [[BOB]]
    assert writes(world.eu) == []


def test_an_unsubscribe_without_a_list_is_copied_with_its_tags(world: World) -> None:
    world.deliver(event("unsubscribed", BOB, "mg.example.com", tags=["weekly"]))
    world.deliver(event("unsubscribed", "dan@example.org", "mg.example.com"))
    world.push("us")
    by_address = {u["address"]: u["tags"] for u in world.us.unsubscribes("shop.example.com")}
    assert by_address == {BOB: ["weekly"], "dan@example.org": ["*"]}
    assert len(sent(world.us.calls, "POST", "/v3/news.example.com/unsubscribes")) == 1  # both in one call
    assert not [c for c in world.us.calls if c.path.startswith("/v3/lists")]


def test_an_unsubscribe_from_a_list_only_unsubscribes_that_member(world: World) -> None:
    seed_lists(world)
    world.deliver(
        event("unsubscribed", BOB, "mg.example.com", **{"mailing-list": {"address": "team@example.com"}})
    )
    world.push("us")
    assert [(c.method, c.path, c.form) for c in writes(world.us)] == [
        ("PUT", f"/v3/lists/team@example.com/members/{BOB}", {"subscribed": "no"})
    ]
    assert [m["subscribed"] for m in world.us.members("news@example.com")] == [True]
    assert world.suppressions() == set()


def test_an_eu_event_never_touches_the_us_host(world: World) -> None:
    world.eu.add_member("team@example.eu", BOB)
    world.refresh("eu")
    world.deliver(event("bounce", BOB, "mg.example.eu"))
    world.deliver(event("complaint", "eve@example.org", "news.example.eu"))
    assert {a.region for a in world.actions()} == {"eu"}
    assert world.push("us").claimed == 0
    world.push("eu")
    assert world.us.calls == []
    assert [b["address"] for b in world.eu.bounces("news.example.eu")] == [BOB]
    assert [c["address"] for c in world.eu.complaints("mg.example.eu")] == ["eve@example.org"]
    assert world.eu.members("team@example.eu")[0]["subscribed"] is False


def test_a_replayed_event_adds_no_action_and_no_call(world: World) -> None:
    bounce = event("bounce", BOB, "mg.example.com")
    world.deliver(bounce)
    world.deliver(bounce)  # Mailgun's retry: a new signature, the same event
    assert len(world.actions()) == 2
    world.push("us")
    calls_after_first_push = len(world.us.calls)
    world.deliver(bounce)  # and once more after the push
    assert len(world.actions()) == 2
    assert world.push("us").claimed == 0
    assert len(world.us.calls) == calls_after_first_push == 2


def test_a_drop_of_an_address_already_copied_starts_no_copies_over(world: World) -> None:
    world.deliver(event("bounce", BOB, "mg.example.com"))
    world.push("us")
    calls = len(world.us.calls)
    # Mailgun drops the next send on a domain we copied the bounce to: an echo of our own copy.
    drop = {"reason": "suppress-bounce", "delivery-status": {"code": 605, "message": ""}}
    world.deliver(event("bounce", BOB, "news.example.com", **drop))
    world.deliver(event("bounce", "new@example.org", "news.example.com", **drop))  # never seen: copied
    assert world.push("us").done == 2
    assert [a.address for a in world.actions()[2:]] == ["new@example.org", "new@example.org"]
    assert len(world.us.calls) == calls + 2
    assert ("us", "news.example.com", BOB, "bounce", "observed") in world.suppressions()


def test_events_that_call_for_nothing_plan_nothing(world: World) -> None:
    world.deliver(event("temporary", BOB, "mg.example.com"))
    world.deliver(event("delivered", BOB, "mg.example.com"))
    world.deliver(event("bounce", BOB, "unconfigured.example.net"))
    assert world.actions() == []
    assert world.push("us").claimed == 0
    assert world.us.calls == []


def test_switched_off_rules_plan_nothing(db_url: str, settings_for) -> None:
    off = replace(FAST, bounces=False, lists=False)
    with fakes() as (us, eu):
        world = World(world_settings(settings_for, db_url, us, eu, sync=off), us, eu)
        us.add_member("team@example.com", BOB)
        world.refresh("us")
        world.deliver(event("bounce", BOB, "mg.example.com"))
        world.deliver(event("complaint", BOB, "mg.example.com"))
        assert sorted(a.kind for a in world.actions()) == ["complaint", "complaint"]
        world.close()


def test_a_batch_mixing_a_stored_event_with_new_ones_plans_only_the_new_ones(world: World) -> None:
    # Postgres first tries one COPY of the whole batch; the stored event makes it fail and the batch is
    # stored again through the path that skips duplicates. Either way, each event's actions exist once.
    first = event("bounce", BOB, "mg.example.com")
    world.deliver(first)
    planned = len(world.actions())
    assert planned > 0
    world.post(first)  # Mailgun's retry of the stored event
    world.post(event("bounce", "carol@example.org", "mg.example.com"))
    world.drain()
    actions = world.actions()
    assert len(actions) == 2 * planned
    assert sorted(a.address for a in actions) == sorted([BOB] * planned + ["carol@example.org"] * planned)
