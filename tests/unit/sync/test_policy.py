"""The sync policy, pure: NormalizedEvents from the shared samples in, planned actions out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.conftest import payload
from workers.events.normalize import NormalizedEvent, normalize_webhook_json
from workers.sync.policy import PlannedAction, Rules, is_echo, origin_suppression, plan_actions

US = ["mg.example.com", "news.example.com", "shop.example.com"]
EU = ["mg.example.eu", "news.example.eu"]
ALL_ON = Rules()


def sample(name: str, domain: str = "mg.example.com") -> NormalizedEvent:
    regions = {**dict.fromkeys(US, "us"), **dict.fromkeys(EU, "eu")}
    return normalize_webhook_json(payload(name), domain_regions=regions, domain_hint=domain)


@pytest.fixture
def bounce() -> NormalizedEvent:
    return sample("failed-permanent.webhook-json.anymail.json")


def summary(actions: list[PlannedAction]) -> list[tuple[str, str | None, str | None, str]]:
    return [(a.kind, a.domain, a.list_address, a.address) for a in actions]


def test_a_hard_bounce_goes_to_the_other_domains_of_its_region_and_off_its_lists(
    bounce: NormalizedEvent,
) -> None:
    assert (bounce.type, bounce.region, bounce.domain) == ("bounced", "us", "mg.example.com")
    actions = plan_actions(bounce, US, ["team@example.com", "news@example.com"], ALL_ON)
    assert summary(actions) == [
        ("bounce", "news.example.com", None, "invalid@example.com"),
        ("bounce", "shop.example.com", None, "invalid@example.com"),
        ("list_unsubscribe", None, "news@example.com", "invalid@example.com"),
        ("list_unsubscribe", None, "team@example.com", "invalid@example.com"),
    ]
    assert {a.region for a in actions} == {"us"}
    assert actions[0].payload == {
        "code": "550",
        "error": bounce.delivery_status["message"],  # type: ignore[index]
        "created_at": "Sun, 12 Aug 2018 21:47:02 GMT",
    }
    assert actions[2].payload == {}


def test_an_eu_bounce_only_touches_eu_domains() -> None:
    event = sample("failed-permanent.webhook-json.anymail.json", domain="news.example.eu")
    assert event.region == "eu"
    actions = plan_actions(event, EU, [], ALL_ON)
    assert summary(actions) == [("bounce", "mg.example.eu", None, "invalid@example.com")]
    assert actions[0].region == "eu"


def test_a_temporary_failure_or_a_delivery_does_nothing() -> None:
    assert plan_actions(sample("failed-temporary.webhook-json.anymail.json"), US, ["l@x.com"], ALL_ON) == []
    assert plan_actions(sample("delivered.webhook-json.anymail-real-sanitized.json"), US, [], ALL_ON) == []


def test_a_bounce_without_status_gets_mailguns_default_code_and_the_reason(bounce: NormalizedEvent) -> None:
    bare = replace(bounce, delivery_status=None, reason="bounce")
    assert plan_actions(bare, US, [], ALL_ON)[0].payload["code"] == "550"
    assert plan_actions(bare, US, [], ALL_ON)[0].payload["error"] == "bounce"
    coded = replace(bounce, delivery_status={"code": 554, "message": None, "description": "Denied"})
    assert plan_actions(coded, US, [], ALL_ON)[0].payload | {"created_at": ""} == {
        "code": "554",
        "error": "Denied",
        "created_at": "",
    }


def test_a_complaint_goes_to_the_other_domains_and_off_the_lists() -> None:
    event = sample("complained.webhook-json.anymail.json", domain="news.example.com")
    actions = plan_actions(event, US, ["team@example.com"], ALL_ON)
    assert summary(actions) == [
        ("complaint", "mg.example.com", None, "recipient@example.com"),
        ("complaint", "shop.example.com", None, "recipient@example.com"),
        ("list_unsubscribe", None, "team@example.com", "recipient@example.com"),
    ]
    assert set(actions[0].payload) == {"created_at"}


def test_an_unsubscribe_without_a_list_copies_its_tags_or_star() -> None:
    event = sample("unsubscribed.webhook-json.anymail.json")
    untagged = plan_actions(event, US, ["team@example.com"], ALL_ON)
    assert summary(untagged) == [
        ("unsubscribe", "news.example.com", None, "recipient@example.com"),
        ("unsubscribe", "shop.example.com", None, "recipient@example.com"),
    ]
    assert untagged[0].payload["tags"] == ["*"]
    tagged = plan_actions(replace(event, tags=["weekly", "promo"]), US, [], ALL_ON)
    assert tagged[0].payload["tags"] == ["weekly", "promo"]


def test_an_unsubscribe_from_a_list_only_unsubscribes_that_list_member() -> None:
    event = replace(
        sample("unsubscribed.webhook-json.anymail.json"),
        mailing_list={"address": "Team@Example.com", "sid": "x"},
    )
    actions = plan_actions(event, US, ["team@example.com", "other@example.com"], ALL_ON)
    assert summary(actions) == [("list_unsubscribe", None, "team@example.com", "recipient@example.com")]
    assert origin_suppression(event, US, ALL_ON) is None


@pytest.mark.parametrize(
    ("rules", "expected_kinds"),
    [
        (Rules(bounces=False), []),
        (Rules(lists=False), ["bounce", "bounce"]),
        (Rules(complaints=False, unsubscribes=False), ["bounce", "bounce", "list_unsubscribe"]),
    ],
)
def test_each_rule_can_be_switched_off(
    bounce: NormalizedEvent, rules: Rules, expected_kinds: list[str]
) -> None:
    assert [a.kind for a in plan_actions(bounce, US, ["team@example.com"], rules)] == expected_kinds


def test_switched_off_rules_for_complaints_and_unsubscribes() -> None:
    complaint = sample("complained.webhook-json.anymail.json")
    unsubscribe = replace(
        sample("unsubscribed.webhook-json.anymail.json"), mailing_list={"address": "t@x.com"}
    )
    assert plan_actions(complaint, US, ["t@x.com"], Rules(complaints=False)) == []
    assert plan_actions(unsubscribe, US, [], Rules(unsubscribes=False)) == []
    assert plan_actions(unsubscribe, US, [], Rules(lists=False)) == []


def test_an_event_from_an_unconfigured_domain_or_without_recipient_does_nothing(
    bounce: NormalizedEvent,
) -> None:
    assert plan_actions(replace(bounce, domain="elsewhere.org"), US, ["t@x.com"], ALL_ON) == []
    assert plan_actions(replace(bounce, domain=None), US, ["t@x.com"], ALL_ON) == []
    assert plan_actions(replace(bounce, recipient=None), US, ["t@x.com"], ALL_ON) == []
    # A US domain event whose region was judged EU (a storage host, say) finds no domain of its own in EU.
    assert plan_actions(replace(bounce, region="eu"), EU, ["t@x.com"], ALL_ON) == []


def test_domains_match_case_insensitively_and_the_only_domain_gets_no_copy(bounce: NormalizedEvent) -> None:
    actions = plan_actions(replace(bounce, domain="MG.Example.com"), ["mg.example.COM"], ["t@x.com"], ALL_ON)
    assert summary(actions) == [("list_unsubscribe", None, "t@x.com", "invalid@example.com")]


def test_keys_are_stable_per_event_and_differ_between_events_and_targets(bounce: NormalizedEvent) -> None:
    first = [a.idempotency_key for a in plan_actions(bounce, US, ["t@x.com"], ALL_ON)]
    again = [a.idempotency_key for a in plan_actions(replace(bounce), US, ["t@x.com"], ALL_ON)]
    later = replace(bounce, occurred_at=datetime(2026, 1, 1, tzinfo=UTC))
    other = [a.idempotency_key for a in plan_actions(later, US, ["t@x.com"], ALL_ON)]
    assert first == again
    assert len(set(first)) == len(first) == 3
    assert not set(first) & set(other)
    assert all(len(key) == 64 for key in first)


def test_origin_suppression_names_what_mailgun_keeps_on_the_events_own_domain(
    bounce: NormalizedEvent,
) -> None:
    assert origin_suppression(bounce, US, ALL_ON) == "bounce"
    assert origin_suppression(sample("complained.webhook-json.anymail.json"), US, ALL_ON) == "complaint"
    assert origin_suppression(sample("unsubscribed.webhook-json.anymail.json"), US, ALL_ON) == "unsubscribe"
    assert origin_suppression(sample("failed-temporary.webhook-json.anymail.json"), US, ALL_ON) is None
    assert origin_suppression(bounce, US, Rules(bounces=False)) is None


def test_a_drop_of_an_already_suppressed_address_is_an_echo(bounce: NormalizedEvent) -> None:
    drop = sample("failed-permanent-suppress-bounce.webhook-json.mailgun-dashboard-test.json")
    assert (drop.type, drop.reason) == ("bounced", "suppress-bounce")
    assert is_echo(drop)
    assert is_echo(replace(bounce, reason="Suppress-Complaint"))
    assert not is_echo(bounce)
    assert not is_echo(replace(bounce, reason=None))
    # The rules still plan for an echo: only the caller knows which targets already have the address.
    assert [a.kind for a in plan_actions(replace(drop, domain="mg.example.com"), US, [], ALL_ON)] == [
        "bounce"
    ] * 2


def test_times_in_another_zone_give_the_same_keys_and_dates(bounce: NormalizedEvent) -> None:
    """A database driver may hand back the instant in its session's zone."""
    shifted = replace(bounce, occurred_at=bounce.occurred_at.astimezone(timezone(timedelta(hours=2))))
    utc_plan, shifted_plan = plan_actions(bounce, US, [], ALL_ON), plan_actions(shifted, US, [], ALL_ON)
    assert [a.idempotency_key for a in shifted_plan] == [a.idempotency_key for a in utc_plan]
    assert shifted_plan[0].payload["created_at"] == "Sun, 12 Aug 2018 21:47:02 GMT"
