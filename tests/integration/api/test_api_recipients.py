"""GET /api/v1/recipients/{address}: counts and the latest event per type."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from tests.integration.conftest import BASE_TIME, Api, add_event

MINUTE = timedelta(minutes=1)


def test_counts_and_latest_per_type_case_insensitive(api: Api, engine: Engine) -> None:
    bob = "bob@example.org"
    add_event(engine, recipient=bob, occurred_at=BASE_TIME)
    latest_delivered = add_event(engine, recipient=bob, occurred_at=BASE_TIME + 2 * MINUTE)
    add_event(engine, recipient=bob, occurred_at=BASE_TIME + MINUTE)
    opened = add_event(engine, recipient=bob, type="opened", event="opened", occurred_at=BASE_TIME + MINUTE)
    add_event(engine, recipient="carol@example.org", type="bounced", event="failed")

    summary = api.get("/recipients/Bob@Example.ORG").get_json()

    assert summary["address"] == bob
    assert summary["total"] == 4
    assert summary["counts"] == {"delivered": 3, "opened": 1}
    assert summary["last"]["delivered"]["id"] == latest_delivered
    assert summary["last"]["delivered"]["occurred_at"] == "2025-03-01T12:02:00Z"
    assert summary["last"]["opened"]["id"] == opened
    assert "payload" not in summary["last"]["opened"]


def test_same_time_ties_pick_the_later_row(api: Api, engine: Engine) -> None:
    add_event(engine, recipient="tie@example.org", occurred_at=BASE_TIME)
    second = add_event(engine, recipient="tie@example.org", occurred_at=BASE_TIME)
    assert api.get("/recipients/tie@example.org").get_json()["last"]["delivered"]["id"] == second


def test_unknown_recipient_is_404(api: Api, engine: Engine) -> None:
    add_event(engine, recipient="bob@example.org")
    response = api.get("/recipients/nobody@example.org")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
