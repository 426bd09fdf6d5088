"""Subaccount discovery's own rules: what a domain page says, how long an answer is kept, what a failure
leaves (no network: the asking is handed in)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workers.mailgun import subaccounts
from workers.mailgun.client import MailgunClient, Unavailable
from workers.mailgun.subaccounts import DISCOVERY_SECONDS, RETRY_SECONDS, subaccount_domains, with_discovered


@pytest.fixture(autouse=True)
def forgotten() -> Iterator[None]:
    subaccounts.forget()
    yield
    subaccounts.forget()


def test_a_domain_page_names_only_the_subaccounts_domains() -> None:
    page = {"total_count": 3, "items": [
        {"name": "Mg.Client.Example", "subaccount_id": "6fr783930fhhriu673"},
        {"name": "example.com"},  # the parent's own: no subaccount_id
        {"name": "odd.example", "subaccount_id": ""},
        {"name": "bad.example", "subaccount_id": "abc\r\nX-Injected: 1"},
        "not a domain",
    ]}  # fmt: skip
    assert subaccount_domains(page) == {"mg.client.example": "6fr783930fhhriu673"}
    assert subaccount_domains({"message": "Invalid private key"}) == {}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_kept_per_host_and_configured_ids_win() -> None:
    clock, asked = Clock(), []

    def ask(client: MailgunClient) -> dict[str, str]:
        asked.append(client.base_url)
        return {"mg.client.example": "found", "other.example": "theirs"}

    us = MailgunClient("us", "https://api.mailgun.net", "key", ["mg.client.example"])
    eu = MailgunClient("eu", "https://api.eu.mailgun.net", "key", [])
    configured = {"mg.client.example": "named"}
    assert with_discovered(us, configured, clock=clock, ask=ask) == {
        "mg.client.example": "named",
        "other.example": "theirs",
    }
    clock.now += DISCOVERY_SECONDS - 1
    with_discovered(us, {}, clock=clock, ask=ask)
    with_discovered(eu, {}, clock=clock, ask=ask)
    assert asked == ["https://api.mailgun.net", "https://api.eu.mailgun.net"]
    clock.now += 1
    assert with_discovered(us, {}, clock=clock, ask=ask)["mg.client.example"] == "found"
    assert asked[-1] == "https://api.mailgun.net" and len(asked) == 3


def test_a_failure_serves_the_configured_ones_and_is_tried_again_soon(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, answers = Clock(), iter([Unavailable("503 on GET /v4/domains"), {"mg.client.example": "found"}])

    def ask(client: MailgunClient) -> dict[str, str]:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = MailgunClient("us", "https://api.mailgun.net", "key-secret-value", ["mg.client.example"])
    assert with_discovered(client, {"a.example": "named"}, clock=clock, ask=ask) == {"a.example": "named"}
    assert "subaccount discovery in region us failed" in caplog.text and "key-secret-value" not in caplog.text
    clock.now += RETRY_SECONDS - 1
    assert with_discovered(client, {}, clock=clock, ask=ask) == {}
    clock.now += 1
    assert with_discovered(client, {}, clock=clock, ask=ask) == {"mg.client.example": "found"}
