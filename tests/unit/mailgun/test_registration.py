"""What to ask Mailgun, pure: our webhook URL added beside others', never in their place; routes found."""

from __future__ import annotations

import pytest

from workers.mailgun.registration import (
    SUBSCRIBABLE,
    Step,
    base_url_problem,
    find_route,
    inbound_url,
    is_registered,
    plan_webhooks,
    route_actions,
    same_endpoint,
    webhook_url,
)

OURS = "https://hooks.example.net/webhooks/mailgun?region=eu&domain=mg.example.eu"
THEIRS = ["https://crm.example.org/mailgun", "https://stats.example.org/in", "https://audit.example.org/x"]


def by_kind(steps: list[Step]) -> dict[str, Step]:
    return {step.kind: step for step in steps}


def test_the_url_carries_the_hints() -> None:
    assert webhook_url("https://hooks.example.net/", "eu", "mg.example.eu") == OURS
    assert (
        inbound_url("https://hooks.example.net", "us")
        == "https://hooks.example.net/inbound/mailgun/mime?region=us"
    )


def test_every_subscribable_type_is_created_on_a_bare_domain() -> None:
    steps = plan_webhooks({}, OURS)
    assert [s.kind for s in steps] == list(SUBSCRIBABLE)
    assert {(s.action, s.urls) for s in steps} == {("create", (OURS,))}


def test_our_url_is_added_beside_others() -> None:
    step = by_kind(plan_webhooks({"delivered": THEIRS[:2]}, OURS))["delivered"]
    assert (step.action, step.urls) == ("update", (*THEIRS[:2], OURS))
    assert step.note == "kept 2 other URLs"


def test_a_type_already_holding_our_url_is_kept_as_is() -> None:
    step = by_kind(plan_webhooks({"opened": [THEIRS[0], OURS]}, OURS))["opened"]
    assert (step.action, step.urls, step.note) == ("keep", (THEIRS[0], OURS), "already registered")


def test_three_other_urls_refuse_the_type_and_change_nothing() -> None:
    step = by_kind(plan_webhooks({"clicked": THEIRS}, OURS))["clicked"]
    assert step.action == "refuse"
    assert step.urls == tuple(THEIRS)
    assert "3 other URLs hold it" in step.note


def test_our_url_with_other_hints_is_replaced_not_doubled() -> None:
    stale = "https://HOOKS.example.net:443/webhooks/mailgun/"
    step = by_kind(plan_webhooks({"delivered": [THEIRS[0], stale]}, OURS))["delivered"]
    assert (step.action, step.urls) == ("update", (THEIRS[0], OURS))
    assert step.note == "kept 1 other URL; replaced our URL with other hints"


def test_an_empty_type_is_updated_not_created() -> None:
    assert by_kind(plan_webhooks({"accepted": []}, OURS))["accepted"].action == "update"


def test_same_endpoint_ignores_the_query_but_not_the_host_or_path() -> None:
    assert same_endpoint("https://a.example/webhooks/mailgun?x=1", "https://A.example/webhooks/mailgun")
    assert not same_endpoint("https://a.example/webhooks/mailgun", "https://b.example/webhooks/mailgun")
    assert not same_endpoint("https://a.example/webhooks/mailgun", "http://a.example/webhooks/mailgun")
    assert not same_endpoint("https://a.example/other", "https://a.example/webhooks/mailgun")


def test_registration_is_judged_exactly_or_by_path() -> None:
    assert is_registered([THEIRS[0], OURS], OURS) == OURS
    assert is_registered([THEIRS[0]], OURS) is None
    assert is_registered(["https://old.example/webhooks/mailgun?region=us"], None) is not None
    assert is_registered(THEIRS, None) is None


@pytest.mark.parametrize(
    "url", ["hooks.example.net", "ftp://hooks.example.net", "https://h.example/?a=1", "https://h.example/#x"]
)
def test_a_base_url_must_be_plain_http(url: str) -> None:
    assert base_url_problem(url) is not None


def test_a_plain_base_url_is_fine() -> None:
    assert base_url_problem("https://hooks.example.net/prefix") is None


def test_an_existing_route_forwarding_to_us_is_found() -> None:
    url = inbound_url("https://hooks.example.net", "us")
    expression = "match_recipient('.*@in.example.com')"
    routes = [
        {"id": "1", "expression": expression, "actions": ['forward("https://else.example/mime")']},
        {"id": "2", "expression": f" {expression} ", "actions": [f"forward('{url}')", "stop()"]},
    ]
    assert find_route(routes, expression, url) == routes[1]
    assert find_route(routes, "catch_all()", url) is None
    assert find_route(routes[:1], expression, url) is None


def test_route_actions() -> None:
    assert route_actions("https://h/x", stop=False) == ['forward("https://h/x")']
    assert route_actions("https://h/x", stop=True) == ['forward("https://h/x")', "stop()"]
