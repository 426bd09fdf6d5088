"""Planning the account-level webhook: keep, complete, replace our own, create, or refuse; pure."""

from __future__ import annotations

from workers.mailgun.account_webhooks import (
    DESCRIPTION,
    AccountHook,
    account_webhook_url,
    our_account_hook,
    plan_account_webhook,
    read_hooks,
)
from workers.mailgun.registration import CREATE, KEEP, REFUSE, SUBSCRIBABLE, UPDATE

OURS = account_webhook_url("https://hooks.example.net/", "eu")


def hook(
    url: str, kinds: tuple[str, ...] = SUBSCRIBABLE, description: str = "", hook_id: str = "h1"
) -> AccountHook:
    return AccountHook(hook_id, url, kinds, description)


def test_our_url_carries_the_region_and_no_domain() -> None:
    assert OURS == "https://hooks.example.net/webhooks/mailgun?region=eu"


def test_nothing_there_is_created_and_ours_complete_is_kept() -> None:
    assert plan_account_webhook([], OURS).action == CREATE
    assert plan_account_webhook([hook(OURS)], OURS).action == KEEP


def test_ours_missing_types_is_completed() -> None:
    step = plan_account_webhook([hook(OURS, ("delivered",))], OURS)
    assert (step.action, step.webhook_id) == (UPDATE, "h1")
    assert "opened" in step.note and "delivered" not in step.note


def test_an_earlier_url_of_ours_is_replaced_by_description_or_endpoint() -> None:
    moved = hook("https://old.example.net/webhooks/mailgun?region=eu", description=DESCRIPTION, hook_id="old")
    hinted = hook(
        "https://hooks.example.net/webhooks/mailgun?region=eu&x=1", description="by hand", hook_id="x"
    )
    assert plan_account_webhook([moved], OURS).webhook_id == "old"
    assert plan_account_webhook([hinted], OURS).webhook_id == "x"


def test_another_partys_webhook_is_never_ours() -> None:
    theirs = hook("https://crm.example.org/webhooks/mailgun", description="CRM", hook_id="crm")
    assert plan_account_webhook([theirs], OURS).action == CREATE
    assert our_account_hook([theirs], OURS) is None


def test_three_other_urls_on_a_type_refuse() -> None:
    others = [hook(f"https://t{n}.example.org/", ("clicked",), f"t{n}", f"t{n}") for n in range(3)]
    step = plan_account_webhook(others, OURS)
    assert step.action == REFUSE and "clicked" in step.note


def test_listing_answers_are_read_defensively() -> None:
    body = {
        "webhooks": [{"webhook_id": "a", "url": OURS, "event_types": ["opened"], "description": "d"}, "junk"]
    }
    assert read_hooks(body) == [AccountHook("a", OURS, ("opened",), "d")]
    assert read_hooks({"webhooks": None}) == [] and read_hooks("nope") == []
