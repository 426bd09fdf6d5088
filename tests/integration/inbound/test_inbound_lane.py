"""Inbound mail is drained in a lane of its own, read with no transaction open: a message slow to parse holds
no lock (on SQLite the intake keeps writing) and delays no event. Real Postgres and SQLite.

The slow parse is made by holding the real parser at a gate: the lanes, claims and transactions are the real
ones, and the test fails if any of them waits on the parse.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, insert, select

from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from app.core.models.inbox_vocab import InboxKind
from app.core.settings import Settings
from tests.conftest import payload, sign
from tests.integration.inbound_support import drain, message_rows, post_route, sample_parts
from workers.events.claims import ClaimedRow, claim_batch
from workers.events.drain import drain_batch
from workers.events.processors import PROCESSORS, Lane, lane_rows, processor_for
from workers.inbound import store as mail_store

PARSED = "inbound-forward-parsed.route-form.anymail.json"
ROUTES = ("webhooks", "inbound", "inbound_mime")


def test_every_kind_has_a_processor() -> None:
    assert set(PROCESSORS) == set(InboxKind)


def test_each_row_is_in_exactly_the_lane_its_processor_names(engine: Engine) -> None:
    """The claim's SQL and the drain's table agree for every kind and route, an unknown kind included."""
    kinds = [*InboxKind, "later_kind"]
    rows = [_pending(kind, route) for kind in kinds for route in ROUTES]
    with engine.begin() as connection:
        connection.execute(insert(InboxRow), rows)
        ids = {row.token: row.id for row in connection.execute(select(InboxRow.id, InboxRow.token))}
    expected = {
        lane: {ids[row["token"]] for row in rows if processor_for(_claimed(row)).lane is lane}
        for lane in Lane
    }
    for lane in Lane:
        claimed = {row.id for row in claim_batch(engine, 1000, lane=lane_rows(lane)).rows}
        assert claimed == expected[lane], lane
    assert expected[Lane.INBOUND] and expected[Lane.EVENTS]


def test_a_slow_message_holds_no_lock_and_delays_no_event(
    app: Flask, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate, parsing = threading.Event(), threading.Event()
    real_parse = mail_store.parse_route_post

    def slow_parse(*args: Any, **kwargs: Any) -> Any:
        parsing.set()
        assert gate.wait(30), "the test never opened the gate"
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(mail_store, "parse_route_post", slow_parse)
    assert post_route(app, *sample_parts(PARSED))[0].status_code == 200
    mail = threading.Thread(target=drain, args=(engine, settings))
    mail.start()
    try:
        assert parsing.wait(10)
        # While the message is being parsed: a webhook is taken by the intake and drained into an event.
        document = payload("delivered.webhook-json.anymail-real-sanitized.json")
        document["signature"] = sign()
        answer = app.test_client().post(
            "/webhooks/mailgun", data=json.dumps(document), content_type="application/json"
        )
        assert answer.status_code == 200
        events = drain_batch(engine, settings)
        assert (events.claimed, events.events) == (1, 1)
        assert mail.is_alive() and message_rows(engine) == []
    finally:
        gate.set()
        mail.join(30)
    assert len(message_rows(engine)) == 1
    with engine.connect() as connection:
        assert connection.scalar(select(Event.mailgun_event_id)) == document["event-data"]["id"]


def _pending(kind: str, route: str) -> dict[str, Any]:
    return {
        "token": f"{kind}:{route}",
        "kind": kind,
        "route": route,
        "content_type": "application/x-www-form-urlencoded",
        "body": b"",
        "headers": {},
        "received_at": datetime.now(UTC),
    }


def _claimed(row: dict[str, Any]) -> ClaimedRow:
    return ClaimedRow(
        0, row["kind"], row["route"], row["content_type"], b"", None, None, row["received_at"], 1
    )
