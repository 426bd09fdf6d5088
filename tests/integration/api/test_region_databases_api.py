"""DATABASE_URL_EU: the API, the dashboard, /metrics and /readyz read each region's own database.

Two real Postgres databases: the worker's migrated test database as the primary (US) one and a second one,
made for each test, as the EU one. Rows are written straight into each, so ids collide on purpose: the same
id names one row in each database, and only `region` says which.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate
from sqlalchemy import Engine, select, update

from app.core.db import make_engine
from app.core.models.inbound import InboundMessageRow
from app.core.models.sync import SyncAction
from app.core.settings import Settings
from app.core.task_names import DRAIN_TASKS
from app.web.factory import create_app
from tests.conftest import missing_database_url, truncate_all
from tests.integration.conftest import BEARER, Api, RecordingWaker, add_event, add_inbox_row, inbox_status
from tests.integration.inbound_support import add_inbound_message
from tests.integration.sync_support import add_sync_rows

pytestmark = pytest.mark.postgres

REQUIRED = "is required because each region's data is kept in its own database"


@pytest.fixture
def settings(pg_url: str, eu_url: str, pg_engine: Engine, settings_for: Any) -> Iterator[Settings]:
    yield replace(settings_for(pg_url), database_url_eu=eu_url)
    truncate_all(pg_engine)


@pytest.fixture
def us_db(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def eu_db(settings: Settings) -> Iterator[Engine]:
    assert settings.database_url_eu is not None
    engine = make_engine(settings.database_url_eu)
    yield engine
    engine.dispose()


@pytest.fixture
def split_app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    app.extensions["mailhook"].waker = RecordingWaker()
    yield app
    app.extensions["mailhook"].close()


@pytest.fixture
def split_api(split_app: Flask) -> Api:
    return Api(split_app.test_client())


# The document itself and the page that renders it read no database, so they take no region.
REGIONLESS = {"/openapi.json", "/docs"}


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def mailgun_ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["mailgun_event_id"] for item in response.get_json()["items"]]


# -- the parameter ----------------------------------------------------------------------------------------


def test_every_operation_without_region_is_400_saying_why(split_api: Api) -> None:
    operations = [
        (method, path)
        for path, item in split_api.document["paths"].items()
        for method in item
        if path not in REGIONLESS
    ]
    assert len(operations) == 20
    for method, path in operations:
        # No region, and an empty one (which counts as none).
        if method == "get":
            answers = [split_api.get(concrete(path)), split_api.get(concrete(path), region="")]
        elif method == "delete":
            answers = [split_api.delete(concrete(path)), split_api.delete(concrete(path), region="")]
        else:
            answers = [split_api.post(concrete(path)), split_api.post(concrete(path) + "?region=")]
        for response in answers:
            assert response.status_code == 400, (method, path)
            error = response.get_json()["error"]
            assert error["code"] == "bad_parameter"
            assert error["message"].startswith("parameter 'region' " + REQUIRED), error
    assert split_api.get("/openapi.json").status_code == 200
    assert split_api.get("/docs").status_code == 200


def test_a_region_that_is_not_one_is_400_naming_it(split_api: Api) -> None:
    response = split_api.get("/events", region="asia")
    assert response.status_code == 400
    assert "'region' must be one of us, eu" in response.get_json()["error"]["message"]


def test_the_document_requires_region_on_every_operation_only_when_split(split_api: Api, api: Api) -> None:
    for document, required in ((split_api.document, True), (api.document, False)):
        validate(document)
        assert document["components"]["parameters"]["region"]["required"] is required
        for path, item in document["paths"].items():
            for method, operation in item.items():
                refs = [p.get("$ref") for p in operation.get("parameters", [])]
                expected = 0 if path in REGIONLESS else 1
                assert refs.count("#/components/parameters/region") == expected, (method, path)
                assert "400" in operation["responses"], (method, path)


# -- reading the right database ---------------------------------------------------------------------------


def test_events_come_from_the_regions_database_only(split_api: Api, us_db: Engine, eu_db: Engine) -> None:
    us_id = add_event(us_db, mailgun_event_id="us-1", region="us", recipient="both@example.org")
    eu_id = add_event(eu_db, mailgun_event_id="eu-1", region="eu", recipient="both@example.org")
    assert us_id == eu_id  # one id, two rows: the region says which

    assert mailgun_ids(split_api.get("/events", region="eu")) == ["eu-1"]
    assert mailgun_ids(split_api.get("/events", region="us")) == ["us-1"]
    assert mailgun_ids(split_api.get("/events", region="EU", recipient="both@example.org")) == ["eu-1"]
    assert split_api.get(f"/events/{eu_id}", region="eu").get_json()["mailgun_event_id"] == "eu-1"
    assert split_api.get(f"/events/{us_id}", region="us").get_json()["mailgun_event_id"] == "us-1"

    summary = split_api.get("/recipients/both@example.org", region="eu").get_json()
    assert summary["last"]["delivered"]["mailgun_event_id"] == "eu-1"
    assert summary["total"] == 1

    day = {"interval": "day", "since": "2025-03-01T00:00:00Z", "until": "2025-03-02T00:00:00Z"}
    add_event(eu_db, region="eu", type="opened", event="opened")
    eu_stats = split_api.get("/stats", region="eu", **day).get_json()
    us_stats = split_api.get("/stats", region="us", **day).get_json()
    assert eu_stats["buckets"][0]["counts"] == {"delivered": 1, "opened": 1}
    assert us_stats["buckets"][0]["counts"] == {"delivered": 1}


def test_a_message_timeline_is_read_in_the_regions_database(
    split_api: Api, us_db: Engine, eu_db: Engine
) -> None:
    add_event(us_db, mailgun_event_id="us-m", region="us", message_id="same@example.com")
    add_event(eu_db, mailgun_event_id="eu-m", region="eu", message_id="same@example.com")
    assert mailgun_ids(split_api.get("/messages/same@example.com/events", region="eu")) == ["eu-m"]
    assert mailgun_ids(split_api.get("/messages/same@example.com/events", region="us")) == ["us-m"]


def test_inbound_mail_is_read_in_the_regions_database(split_api: Api, us_db: Engine, eu_db: Engine) -> None:
    us_id = add_inbound_message(us_db, recipient="us@example.com")
    with us_db.begin() as connection:  # a message whose region nobody could tell stays in the primary one
        connection.execute(update(InboundMessageRow).values(region=None))
    eu_id = add_inbound_message(eu_db, recipient="eu@example.eu")
    with eu_db.begin() as connection:
        connection.execute(update(InboundMessageRow).values(region="eu"))
    assert us_id == eu_id

    listed = split_api.get("/inbound", region="eu").get_json()["items"]
    assert [item["recipient"] for item in listed] == ["eu@example.eu"]
    listed = split_api.get("/inbound", region="us").get_json()["items"]
    assert [(item["recipient"], item["region"]) for item in listed] == [("us@example.com", None)]
    assert split_api.get(f"/inbound/{eu_id}", region="eu").get_json()["recipient"] == "eu@example.eu"
    assert split_api.get(f"/inbound/{us_id}", region="us").get_json()["recipient"] == "us@example.com"
    assert split_api.get(f"/inbound/{eu_id}/raw", region="eu").status_code == 200
    assert split_api.get(f"/inbound/{eu_id}/attachments/1", region="eu").get_data() == b"note"


def test_suppressions_and_sync_actions_are_listed_from_the_regions_database(
    split_api: Api, us_db: Engine, eu_db: Engine
) -> None:
    add_sync_rows(us_db, "us@example.org")
    add_sync_rows(eu_db, "eu@example.org", region="eu", domain="mg.example.eu")
    actions = split_api.get("/sync-actions", region="eu").get_json()["items"]
    assert [(a["address"], a["region"]) for a in actions] == [("eu@example.org", "eu")]
    actions = split_api.get("/sync-actions", region="us").get_json()["items"]
    assert [(a["address"], a["region"]) for a in actions] == [("us@example.org", "us")]
    found = split_api.get("/suppressions", region="eu").get_json()["items"]
    assert [(s["address"], s["region"]) for s in found] == [("eu@example.org", "eu")]


# -- writing the right database ---------------------------------------------------------------------------


def action_status(engine: Engine, action_id: int) -> str:
    with engine.connect() as connection:
        return str(connection.scalar(select(SyncAction.status).where(SyncAction.id == action_id)))


def test_a_sync_action_retry_flips_the_row_of_the_regions_database(
    split_api: Api, us_db: Engine, eu_db: Engine
) -> None:
    us_action = add_sync_rows(us_db, "us@example.org")
    eu_action = add_sync_rows(eu_db, "eu@example.org", region="eu", domain="mg.example.eu")
    assert us_action == eu_action

    retried = split_api.post(f"/sync-actions/{eu_action}/retry?region=eu")
    assert retried.status_code == 200
    assert retried.get_json()["address"] == "eu@example.org"
    assert (action_status(eu_db, eu_action), action_status(us_db, us_action)) == ("pending", "failed")

    assert (
        split_api.post(f"/sync-actions/{us_action}/retry?region=us").get_json()["address"] == "us@example.org"
    )
    assert action_status(us_db, us_action) == "pending"


def test_a_dead_letter_replay_flips_the_row_of_the_regions_database(
    split_api: Api, split_app: Flask, us_db: Engine, eu_db: Engine
) -> None:
    us_row = add_inbox_row(us_db, route="webhooks")
    eu_row = add_inbox_row(eu_db, route="webhooks", region_hint="eu")
    assert us_row == eu_row
    assert [d["region_hint"] for d in split_api.get("/dead-letters", region="eu").get_json()["items"]] == [
        "eu"
    ]

    replayed = split_api.post(f"/dead-letters/{eu_row}/replay?region=eu")
    assert replayed.status_code == 200
    assert replayed.get_json()["region_hint"] == "eu"
    assert inbox_status(eu_db, eu_row) == ("pending", None)
    assert inbox_status(us_db, us_row)[0] == "dead"
    assert split_app.extensions["mailhook"].waker.pokes == len(DRAIN_TASKS)  # one per lane of the inbox
    # The EU row is no longer dead; the US one, same id, still is.
    assert split_api.post(f"/dead-letters/{eu_row}/replay?region=eu").status_code == 409
    assert split_api.post(f"/dead-letters/{us_row}/replay?region=us").status_code == 200


# -- operators: every database ----------------------------------------------------------------------------


def test_the_dashboard_adds_up_both_databases(split_app: Flask, us_db: Engine, eu_db: Engine) -> None:
    recent = datetime.now(UTC) - timedelta(hours=1)
    for _ in range(2):
        add_event(us_db, region="us", occurred_at=recent)
    for _ in range(3):
        add_event(eu_db, region="eu", occurred_at=recent, type="bounced", event="failed")
    add_inbox_row(us_db, status="pending", error=None)
    for _ in range(2):
        add_inbox_row(eu_db, status="pending", error=None)
    add_inbox_row(eu_db)
    add_sync_rows(eu_db, "eu@example.org", region="eu", domain="mg.example.eu")

    page = split_app.test_client().get("/dashboard", headers=BEARER).get_data(as_text=True)

    assert tile(page, "tile-events") == "5"
    assert tile(page, "tile-pending") == "3"
    assert tile(page, "tile-dead") == "1"
    assert "bounced (3)" in page and "delivered (2)" in page
    assert re.search(r"<td>primary</td><td>us</td><td>1</td><td>\d+ s</td><td>0</td>", page), page
    assert re.search(r"<td>eu</td><td>eu</td><td>2</td><td>\d+ s</td><td>1</td>", page), page
    assert "<td>eu</td><td>failed</td><td>1</td>" in page  # the EU database's sync backlog


def tile(page: str, tile_id: str) -> str:
    found = re.search(rf'id="{tile_id}">.*?<div class="value">([^<]*)</div>', page, re.S)
    assert found, tile_id
    return found.group(1).strip()


def metric(text: str, name: str, **labels: str) -> float | None:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    prefix = f"{name}{{{wanted}}}" if labels else name
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix + " ")]
    assert len(values) <= 1, values
    return values[0] if values else None


def test_metrics_sum_the_backlog_of_both_databases(split_app: Flask, us_db: Engine, eu_db: Engine) -> None:
    add_inbox_row(us_db, status="pending", error=None)
    for _ in range(2):
        add_inbox_row(eu_db, status="pending", error=None)
    add_inbox_row(us_db)
    add_inbox_row(eu_db)
    add_sync_rows(us_db, "us@example.org")
    add_sync_rows(eu_db, "eu@example.org", region="eu", domain="mg.example.eu", status="dead")

    text = split_app.test_client().get("/metrics").get_data(as_text=True)

    assert metric(text, "mailhook_database_up") == 1
    assert metric(text, "mailhook_inbox_pending") == 3
    assert metric(text, "mailhook_dead_letters_waiting", kind="webhook") == 2
    assert metric(text, "mailhook_sync_actions", region="us", state="failed") == 1
    assert metric(text, "mailhook_sync_actions", region="eu", state="dead") == 1


def test_metrics_report_the_database_down_when_one_of_them_is(settings: Settings, us_db: Engine) -> None:
    add_inbox_row(us_db, status="pending", error=None)
    gone = replace(settings, database_url_eu=missing_database_url())
    text = create_app(gone).test_client().get("/metrics").get_data(as_text=True)
    assert metric(text, "mailhook_database_up") == 0


def test_readyz_checks_every_database(settings: Settings, split_app: Flask) -> None:
    ready = split_app.test_client().get("/readyz?require=database")
    assert ready.status_code == 200
    assert ready.get_json() == {
        "status": "ok",
        "checks": {"database": True},
        "databases": {"primary": True, "eu": True},
    }

    gone = replace(settings, database_url_eu=missing_database_url())
    response = create_app(gone).test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"] is False
    assert body["databases"] == {"primary": True, "eu": False}
    assert "Retry-After" in response.headers


# -- one database: region stays optional, and filters -----------------------------------------------------


def test_with_one_database_region_is_optional_and_filters(api: Api, app: Flask, engine: Engine) -> None:
    us_id = add_event(engine, mailgun_event_id="one-us", region="us")
    eu_id = add_event(engine, mailgun_event_id="one-eu", region="eu")
    assert sorted(mailgun_ids(api.get("/events"))) == ["one-eu", "one-us"]
    assert mailgun_ids(api.get("/events", region="eu")) == ["one-eu"]
    assert api.get(f"/events/{us_id}").status_code == 200
    assert api.get(f"/events/{us_id}", region="eu").status_code == 404
    assert api.get(f"/events/{eu_id}", region="eu").status_code == 200
    dead = add_inbox_row(engine, region_hint=None)
    # Dead letters have no region of their own: with one database every one is listed whatever the region.
    assert [d["id"] for d in api.get("/dead-letters", region="eu").get_json()["items"]] == [dead]
    ready = app.test_client().get("/readyz?require=database")
    assert ready.get_json() == {"status": "ok", "checks": {"database": True}}  # no per-database details
