"""DATABASE_URL_EU: intake and drain keep every EU delivery and event in the EU database only.

Two real Postgres databases. Deliveries arrive through the web app with the webhook URL's region or domain
hint, or with no hint at all; the drain then runs over both databases as the worker's task does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select

from app.core.db import make_engine
from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from app.core.settings import Settings
from app.core.stores import stores
from app.web.factory import create_app
from tests.conftest import missing_database_url, payload, sign, truncate_all
from tests.integration.inbound_support import message_rows, post_route
from workers.events.drain import drain_every_store

pytestmark = pytest.mark.postgres

US_DOMAIN, EU_DOMAIN = "example.com", "example.eu"


@pytest.fixture
def settings(pg_url: str, eu_url: str, pg_engine: Engine, settings_for: Any) -> Iterator[Settings]:
    yield replace(settings_for(pg_url), database_url_eu=eu_url, group_commit=False)
    truncate_all(pg_engine)


@pytest.fixture
def engines(settings: Settings) -> Iterator[dict[str, Engine]]:
    made = {store.name: make_engine(store.url) for store in stores(settings)}
    yield made
    for engine in made.values():
        engine.dispose()


@pytest.fixture
def client(settings: Settings) -> Iterator[FlaskClient]:
    app = create_app(settings)
    yield app.test_client()
    app.extensions["mailhook"].close()


def post(client: FlaskClient, domain: str, query: str = "") -> str:
    document = payload("delivered.webhook-json.anymail-real-sanitized.json")
    document["event-data"]["id"] = uuid.uuid4().hex
    document["event-data"]["domain"] = {"name": domain}
    document["signature"] = sign()
    answer = client.post(
        f"/webhooks/mailgun{query}", data=json.dumps(document), content_type="application/json"
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return str(document["event-data"]["id"])


def tokens_in(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(InboxRow)) or 0)


def event_ids(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(select(Event.mailgun_event_id, Event.region)).all()
    return {event_id: region for event_id, region in rows}


def test_each_delivery_is_written_to_its_regions_database(
    client: FlaskClient, engines: dict[str, Engine]
) -> None:
    post(client, EU_DOMAIN, "?region=eu")
    post(client, EU_DOMAIN, f"?domain={EU_DOMAIN}")
    post(client, US_DOMAIN, "?region=us")
    post(client, EU_DOMAIN)  # no hint: the primary database until the drain reads its domain

    assert tokens_in(engines["eu"]) == 2
    assert tokens_in(engines["primary"]) == 2


def test_the_drain_stores_eu_events_only_in_the_eu_database(
    client: FlaskClient, engines: dict[str, Engine], settings: Settings
) -> None:
    hinted = post(client, EU_DOMAIN, "?region=eu")
    unhinted = post(client, EU_DOMAIN)  # lands in the primary database, forwarded by the drain
    us = post(client, US_DOMAIN, "?region=us")
    wrongly_hinted = post(client, US_DOMAIN, "?region=eu")  # configuration says US: forwarded back

    claimed, more = drain_every_store(settings)

    assert more is False
    assert claimed == 6  # four rows, two of them read once in each database
    assert event_ids(engines["eu"]) == {hinted: "eu", unhinted: "eu"}
    assert event_ids(engines["primary"]) == {us: "us", wrongly_hinted: "us"}
    # The forwarded rows left their first database: the primary one keeps no EU delivery at all.
    with engines["primary"].connect() as connection:
        hints = connection.execute(select(InboxRow.domain_hint, InboxRow.status)).all()
    assert len(hints) == 2 and {status for _, status in hints} == {"done"}
    assert tokens_in(engines["eu"]) == 2


def test_a_forward_repeated_after_a_crash_stores_the_event_once(
    client: FlaskClient, engines: dict[str, Engine], settings: Settings
) -> None:
    unhinted = post(client, EU_DOMAIN)
    # A copy already reached the EU database, but the primary's delete was rolled back (the crash case).
    with engines["primary"].connect() as connection:
        row = dict(connection.execute(select(InboxRow.__table__)).mappings().one())
    with engines["eu"].begin() as connection:
        values = {k: v for k, v in row.items() if k not in ("id", "status", "attempts", "error")}
        connection.execute(InboxRow.__table__.insert().values(values))

    drain_every_store(settings)

    assert event_ids(engines["eu"]) == {unhinted: "eu"}
    assert event_ids(engines["primary"]) == {}
    assert tokens_in(engines["eu"]) == 1 and tokens_in(engines["primary"]) == 0


def test_a_replayed_token_is_absorbed_in_its_regions_database(
    client: FlaskClient, engines: dict[str, Engine]
) -> None:
    document = payload("delivered.webhook-json.anymail-real-sanitized.json")
    document["signature"] = sign()
    for _ in range(2):
        answer = client.post(
            "/webhooks/mailgun?region=eu", data=json.dumps(document), content_type="application/json"
        )
        assert answer.status_code == 200
    assert tokens_in(engines["eu"]) == 1 and tokens_in(engines["primary"]) == 0


def test_inbound_mail_for_an_eu_domain_is_stored_in_the_eu_database_only(
    client: FlaskClient, engines: dict[str, Engine], settings: Settings
) -> None:
    app = client.application
    post_route(app, [("recipient", "support@example.eu"), ("body-plain", "hello eu")])  # no region hint
    post_route(app, [("recipient", "support@example.com"), ("body-plain", "hello us")])

    drain_every_store(settings)

    assert [(row["domain"], row["region"]) for row in message_rows(engines["eu"])] == [("example.eu", "eu")]
    assert [(row["domain"], row["region"]) for row in message_rows(engines["primary"])] == [
        ("example.com", "us")
    ]
    assert tokens_in(engines["primary"]) == 1  # the EU post left the primary database


def test_a_database_that_is_down_does_not_stop_the_other_regions_drain(
    client: FlaskClient, settings: Settings, engines: dict[str, Engine], caplog: pytest.LogCaptureFixture
) -> None:
    eu = post(client, EU_DOMAIN, "?region=eu")  # written while the primary database, keeping tokens, is up
    gone = replace(settings, database_url=missing_database_url())
    claimed, _ = drain_every_store(gone)
    assert claimed == 1
    assert event_ids(engines["eu"]) == {eu: "eu"}
    assert "drain skipped the primary database, unavailable" in caplog.text  # and said so
