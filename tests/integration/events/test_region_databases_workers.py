"""DATABASE_URL_EU for the workers and the operator commands: everything of the EU region is read and written
in the EU database only, and the commands that keep the databases go over every one.

Two real Postgres databases (the session's primary one and a fresh EU one per test) and fake Mailgun hosts per
region. Celery tasks run in-process with `apply`, as in the other task tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from celery import Celery
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import Engine, insert, inspect, select, update
from sqlalchemy.exc import OperationalError

import workers.inbound.processor
from app.cli.check import check
from app.cli.db import db
from app.cli.purge import purge_command
from app.cli.reconcile import reconcile
from app.cli.replay import replay_command
from app.core.db import make_engine
from app.core.migrate import alembic_config
from app.core.models.events import Event
from app.core.models.inbound import InboundMessageRow
from app.core.models.inbox import InboxRow
from app.core.models.leases import TaskLease
from app.core.models.polling import PollCursor
from app.core.models.sync import ListMember, SyncAction
from app.core.settings import Settings
from app.core.task_names import (
    FETCH_STORED_MESSAGE,
    POLL_EVENTS,
    PURGE_EXPIRED,
    PUSH_SYNC,
    REFRESH_LISTS,
    SWEEP_STORED_FETCHES,
)
from app.web.factory import create_app
from tests.conftest import missing_database_url, payload, sign, throwaway_database, truncate_all
from tests.fakemailgun import FakeMailgun
from tests.integration.conftest import add_inbox_row, inbox_status
from tests.integration.inbound_support import post_route
from tests.integration.reconcile_support import (
    EU,
    US,
    Fakes,
    cli_env,
    count,
    cursor,
    items_from,
    now,
    seed_old_and_new,
    settings_for_fakes,
    stored,
)
from tests.integration.sync_support import NoWaker, event, fakes, world_settings
from workers.celery import create_celery
from workers.events.drain import drain_every_store
from workers.poll.reconcile import PollReport, poll_every_store

pytestmark = pytest.mark.postgres

Engines = tuple[Engine, Engine]  # (primary, eu)


# -- fixtures and helpers -------------------------------------------------------------------------


def empty_database(prefix: str) -> AbstractContextManager[str]:
    return throwaway_database(f"mailhook_test_{prefix}_{uuid.uuid4().hex[:8]}", migrated=False)


@pytest.fixture
def eu_engine(eu_url: str) -> Iterator[Engine]:
    eu = make_engine(eu_url)
    yield eu
    eu.dispose()


@pytest.fixture
def engines(pg_url: str, pg_engine: Engine, eu_engine: Engine) -> Iterator[Engines]:
    yield pg_engine, eu_engine
    truncate_all(pg_engine)


def celery_for(settings: Settings) -> Celery:
    celery = create_celery(settings)
    celery.loader.import_default_modules()  # what a worker does at start: TASK_MODULES register their tasks
    return celery


def rows(engine: Engine, *columns: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(*columns))]


@pytest.fixture
def intake() -> Iterator[Callable[[Settings], Flask]]:
    apps: list[Flask] = []

    def build(settings: Settings) -> Flask:
        app = create_app(settings)
        app.extensions["mailhook"].waker = NoWaker()
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["mailhook"].close()


def post_webhook(app: Flask, event_data: dict[str, Any]) -> None:
    body = {"signature": sign(), "event-data": event_data}
    answer = app.test_client().post("/webhooks/mailgun", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)


def invoke(command: click.Command, env: dict[str, Any], *args: str) -> Result:
    return CliRunner().invoke(command, list(args), env=env)


def lines(result: Result) -> list[str]:
    return result.output.strip().splitlines()


# -- sync push and list refresh -------------------------------------------------------------------


def test_eu_sync_actions_and_list_mirror_live_in_the_eu_database_and_go_to_the_eu_host(
    engines: Engines, pg_url: str, eu_url: str, settings_for: Any, intake: Callable[[Settings], Flask]
) -> None:
    primary, eu = engines
    with fakes() as (us_fake, eu_fake):
        settings = world_settings(
            settings_for, pg_url, us_fake, eu_fake, database_url_eu=eu_url, group_commit=False
        )
        celery = celery_for(settings)
        eu_fake.add_member("team@example.eu", "bob@x.org")
        assert celery.tasks[REFRESH_LISTS].apply(args=["eu"]).get() == 1
        assert rows(eu, ListMember.region, ListMember.list_address, ListMember.address) == [
            ("eu", "team@example.eu", "bob@x.org")
        ]
        assert rows(primary, ListMember.address) == []
        assert rows(eu, TaskLease.name, TaskLease.holder) == [(f"{REFRESH_LISTS}:eu", None)]
        assert rows(primary, TaskLease.name) == []

        app = intake(settings)
        post_webhook(app, event("bounce", "bob@x.org", "mg.example.eu"))
        post_webhook(app, event("bounce", "carol@x.org", "mg.example.com"))
        drain_every_store(settings)
        # The EU bounce planned its actions against the EU mirror: the other EU domain and the EU list.
        assert sorted(rows(eu, SyncAction.region, SyncAction.kind, SyncAction.domain, SyncAction.status)) == [
            ("eu", "bounce", "news.example.eu", "pending"),
            ("eu", "list_unsubscribe", None, "pending"),
        ]
        assert {row[0] for row in rows(primary, SyncAction.region)} == {"us"}

        assert celery.tasks[PUSH_SYNC].apply(args=["eu"]).get() == 2

        assert {row[0] for row in rows(eu, SyncAction.status)} == {"done"}
        assert {row[0] for row in rows(primary, SyncAction.status)} == {"pending"}  # the US push has not run
        assert [b["address"] for b in eu_fake.bounces("news.example.eu")] == ["bob@x.org"]
        assert eu_fake.members("team@example.eu")[0]["subscribed"] is False
        assert [c for c in us_fake.calls if c.method != "GET"] == []

        assert celery.tasks[PUSH_SYNC].apply(args=["us"]).get() == 2
        assert {row[0] for row in rows(primary, SyncAction.status)} == {"done"}
        assert [b["address"] for b in us_fake.bounces("news.example.com")] == ["carol@x.org"]
        assert {row[0] for row in rows(eu, SyncAction.region)} == {"eu"}


# -- Events API poller ----------------------------------------------------------------------------


@pytest.fixture
def mailgun(fakes: Fakes) -> Fakes:
    return (
        fakes  # the shared fixture, under a name apart from sync_support.fakes, which this module also uses
    )


def by_domain(reports: list[PollReport]) -> dict[str, PollReport]:
    return {report.domain: report for report in reports}


def test_the_poll_stores_each_domain_in_its_regions_database(
    engines: Engines, pg_url: str, eu_url: str, mailgun: Fakes, tmp_path: Path
) -> None:
    primary, eu = engines
    settings = settings_for_fakes(pg_url, mailgun, tmp_path, database_url_eu=eu_url)
    us_items, eu_items = items_from(now() - timedelta(hours=3), 3), items_from(now() - timedelta(hours=3), 4)
    broken = {"id": "no-event-name", "timestamp": (now() - timedelta(hours=1)).timestamp()}
    mailgun.us.add_events(US, us_items)
    mailgun.eu.add_events(EU, [*eu_items, broken])

    assert celery_for(settings).tasks[POLL_EVENTS].apply().get() == 7

    assert stored(primary) == {item["id"]: ("logs_api", "us") for item in us_items}
    assert stored(eu) == {item["id"]: ("logs_api", "eu") for item in eu_items}
    assert cursor(primary, US).events_new == 3 and cursor(eu, US) is None
    assert cursor(eu, EU).events_new == 4 and cursor(primary, EU) is None
    assert cursor(eu, EU).lease_until is None and cursor(eu, EU).last_outcome == "caught_up"
    assert rows(eu, InboxRow.kind, InboxRow.status, InboxRow.domain_hint) == [("logs_api", "dead", EU)]
    assert rows(primary, InboxRow.id) == []


def test_a_region_whose_database_is_down_does_not_stop_the_others(
    eu_url: str, eu_engine: Engine, mailgun: Fakes, tmp_path: Path
) -> None:
    """The primary database, polled first, is down: its domains fail, the EU one is polled all the same."""
    settings = settings_for_fakes(missing_database_url(), mailgun, tmp_path, database_url_eu=eu_url)
    items = items_from(now() - timedelta(hours=2), 2)
    mailgun.us.add_events(US, items_from(now() - timedelta(hours=2), 2))
    mailgun.eu.add_events(EU, items)

    reports = by_domain(poll_every_store(settings))

    assert (reports[US].outcome, reports[US].error) == ("failed", "OperationalError")
    assert (reports[EU].outcome, reports[EU].new) == ("caught_up", 2)
    assert set(stored(eu_engine)) == {item["id"] for item in items}
    assert mailgun.us.calls_to("GET", f"/v3/{US}/events") == []  # no lease, no read


def test_reconcile_reads_an_eu_domain_into_the_eu_database(
    engines: Engines, pg_url: str, eu_url: str, mailgun: Fakes, tmp_path: Path
) -> None:
    primary, eu = engines
    settings = settings_for_fakes(pg_url, mailgun, tmp_path, database_url_eu=eu_url)
    items = items_from(now() - timedelta(hours=2), 3)
    mailgun.eu.add_events(EU, items)

    result = invoke(reconcile, cli_env(settings, DATABASE_URL_EU=eu_url), "--domain", EU)

    assert result.exit_code == 0, result.output
    assert set(stored(eu)) == {item["id"] for item in items}
    assert stored(primary) == {}
    assert cursor(eu, EU).events_new == 3 and cursor(primary, EU) is None


# -- stored-message fetches -----------------------------------------------------------------------

API_KEY = "key-region-fetch"


def notify(app: Flask, domain: str, url: str) -> None:
    fields = [
        ("recipient", f"support@{domain}"),
        ("sender", "alice@example.org"),
        ("domain", domain),
        ("subject", "Notified subject"),
        ("body-plain", "notified body"),
        ("message-url", url),
    ]
    response, _ = post_route(app, fields)
    assert response.status_code == 200


def test_an_eu_stored_message_is_fetched_in_the_eu_database(
    engines: Engines,
    pg_url: str,
    eu_url: str,
    settings_for: Any,
    intake: Callable[[Settings], Flask],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    primary, eu = engines
    with (
        FakeMailgun("us", API_KEY, ["example.com"]) as us_fake,
        FakeMailgun("eu", API_KEY, ["example.eu"]) as eu_fake,
    ):
        settings = settings_for(
            pg_url,
            api_key=API_KEY,
            api_bases={"us": us_fake.url, "eu": eu_fake.url},
            database_url_eu=eu_url,
            group_commit=False,
        )
        stored_message = payload("stored-message.storage-get-json-response.invoiceninja.json")["body"]
        notify(
            intake(settings), "example.eu", eu_fake.add_stored_message("example.eu", "KEY-EU", stored_message)
        )
        sent: list[tuple[list[int], str]] = []
        monkeypatch.setattr(
            workers.inbound.processor, "enqueue_fetches", lambda _s, ids, store: sent.append((ids, store))
        )
        drain_every_store(settings)

        [(message_id, fetch_status)] = rows(eu, InboundMessageRow.id, InboundMessageRow.fetch_status)
        assert fetch_status == "pending"
        assert rows(primary, InboundMessageRow.id) == []
        assert [(ids, store) for ids, store in sent if ids] == [([message_id], "eu")]

        # The sweep finds the EU message overdue and sends its fetch naming the EU database.
        celery = celery_for(settings)
        with eu.begin() as connection:
            overdue = datetime.now(UTC) - timedelta(hours=1)
            connection.execute(update(InboundMessageRow).values(fetch_next_at=overdue))
        resent: list[tuple[str, list[object]]] = []
        monkeypatch.setattr(celery, "send_task", lambda name, args, **_: resent.append((name, args)))
        assert celery.tasks[SWEEP_STORED_FETCHES].apply().get() == 1
        assert resent == [(FETCH_STORED_MESSAGE, [message_id, "eu"])]

        fetch = celery.tasks[FETCH_STORED_MESSAGE]
        assert fetch.apply(args=[message_id]).get() == "skipped"  # not in the primary database
        assert eu_fake.calls == []
        assert fetch.apply(args=[message_id, "eu"]).get() == "done"

        columns = (InboundMessageRow.fetch_status, InboundMessageRow.subject, InboundMessageRow.raw_mime)
        [(status, subject, raw)] = rows(eu, *columns)
        assert (status, subject) == ("done", "Fwd: TEST") and raw is not None
        assert rows(primary, InboundMessageRow.id) == []
        assert [call.path for call in eu_fake.calls] == ["/v3/domains/example.eu/messages/KEY-EU"]
        assert us_fake.calls == []


# -- migrations and check -------------------------------------------------------------------------


def revision(url: str) -> tuple[str | None, bool]:
    """The database's schema revision, and whether it has an `events` table."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            return current, inspect(connection).has_table("events")
    finally:
        engine.dispose()


def db_env(primary_url: str, eu_url: str) -> dict[str, str | None]:
    cleared = {
        k: None for k in os.environ if k.startswith(("MAILGUN_", "MAILHOOK_", "DATABASE_URL", "REDIS_URL"))
    }
    return {**cleared, "DATABASE_URL": primary_url, "DATABASE_URL_EU": eu_url, "MAILHOOK_ENV": "test"}


def test_db_upgrade_and_downgrade_migrate_both_databases() -> None:
    with empty_database("up_us") as primary_url, empty_database("up_eu") as eu_url:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        env = db_env(primary_url, eu_url)

        upgraded = invoke(db, env, "upgrade")

        assert upgraded.exit_code == 0, upgraded.output
        assert lines(upgraded) == ["database primary at head", "database eu at head"]
        assert revision(primary_url) == (head, True)
        assert revision(eu_url) == (head, True)

        downgraded = invoke(db, env, "downgrade", "base")

        assert downgraded.exit_code == 0, downgraded.output
        assert revision(primary_url) == (None, False)
        assert revision(eu_url) == (None, False)


def test_check_reports_each_database_and_reads_eu_polls_from_the_eu_database(
    engines: Engines, pg_url: str, eu_url: str, mailgun: Fakes, tmp_path: Path
) -> None:
    primary, eu = engines
    settings = settings_for_fakes(pg_url, mailgun, tmp_path)
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    failed = {"last_outcome": "failed", "last_error": "GET answered 401"}
    with eu.begin() as connection:
        connection.execute(
            insert(PollCursor), [{"region": "eu", "domain": EU, "trusted_until": at, **failed}]
        )
    with primary.begin() as connection:  # left over from before the split: not the EU domain's cursor now
        connection.execute(insert(PollCursor), [{"region": "eu", "domain": EU, "last_outcome": "caught_up"}])

    result = invoke(check, cli_env(settings, DATABASE_URL_EU=eu_url))

    assert result.exit_code == 1, result.output
    assert [line.split(":")[0] for line in lines(result)[:6]] == [
        "ok       settings",
        "ok       database primary (us)",
        "ok       database eu (eu)",
        "ok       database primary (us) partitions",  # each database's own, named as its database
        "ok       database eu (eu) partitions",
        "ok       broker",
    ]
    failed_line = (
        "PROBLEM  poll mg.example.eu (eu): last poll failed: GET answered 401; events trusted up to "
        "2026-03-01T12:00:00+00:00"
    )
    assert failed_line in lines(result)

    down = invoke(check, cli_env(settings, DATABASE_URL_EU=missing_database_url()))

    assert down.exit_code == 1
    assert lines(down)[1].startswith("ok       database primary (us): reachable")
    assert lines(down)[2].startswith("PROBLEM  database eu (eu): unreachable: OperationalError: ")
    polls = [line for line in lines(down) if " poll " in line]
    assert polls == [
        "ok       poll mg.example.com (us): not polled yet",
        "ok       poll news.example.com (us): not polled yet",
    ]


# -- retention ------------------------------------------------------------------------------------


def test_retention_purges_every_database(
    engines: Engines, pg_url: str, eu_url: str, mailgun: Fakes, tmp_path: Path
) -> None:
    primary, eu = engines
    settings = settings_for_fakes(pg_url, mailgun, tmp_path, database_url_eu=eu_url, retention_days=30)
    seed_old_and_new(primary)
    seed_old_and_new(eu)

    dry = invoke(purge_command, cli_env(settings, DATABASE_URL_EU=eu_url), "--older-than", "30d", "--dry-run")

    assert dry.exit_code == 0, dry.output
    assert [line.split(" (")[0] for line in lines(dry)[1:]] == [
        "[primary] events: 2 would be deleted",
        "[primary] inbox: 2 would be deleted",
        "[primary] inbound_messages: 1 would be deleted",
        "[primary] signature_tokens: 0 would be deleted",
        "[eu] events: 2 would be deleted",
        "[eu] inbox: 2 would be deleted",
        "[eu] inbound_messages: 1 would be deleted",
        "[eu] signature_tokens: 0 would be deleted",
    ]
    assert count(eu, Event) == 3

    assert celery_for(settings).tasks[PURGE_EXPIRED].apply().get() == 10

    for engine in (primary, eu):
        assert (count(engine, Event), count(engine, InboxRow), count(engine, InboundMessageRow)) == (1, 2, 1)
        assert rows(engine, TaskLease.name, TaskLease.holder) == [(PURGE_EXPIRED, None)]


def test_a_database_that_fails_its_purge_does_not_keep_the_other_from_its_own(
    eu_url: str, eu_engine: Engine, mailgun: Fakes, tmp_path: Path
) -> None:
    """The primary database, purged first, is down: the EU one is purged, then the task fails."""
    settings = settings_for_fakes(
        missing_database_url(), mailgun, tmp_path, database_url_eu=eu_url, retention_days=30
    )
    seed_old_and_new(eu_engine)
    with pytest.raises(OperationalError):
        celery_for(settings).tasks[PURGE_EXPIRED].apply().get()
    kept = (count(eu_engine, Event), count(eu_engine, InboxRow), count(eu_engine, InboundMessageRow))
    assert kept == (1, 2, 1)


# -- replay ---------------------------------------------------------------------------------------


def test_replay_goes_over_every_database_and_ids_name_theirs(
    engines: Engines, pg_url: str, eu_url: str, mailgun: Fakes, tmp_path: Path
) -> None:
    primary, eu = engines
    env = cli_env(settings_for_fakes(pg_url, mailgun, tmp_path), DATABASE_URL_EU=eu_url)
    same_id = 900_001  # the same id in both databases: only --region says which row is meant
    add_inbox_row(primary, id=same_id, error="primary: no event name")
    add_inbox_row(eu, id=same_id, error="eu: no event name")

    ambiguous = invoke(replay_command, env, str(same_id))
    assert ambiguous.exit_code == 2
    assert "say whose with --region" in ambiguous.output

    one = invoke(replay_command, env, "--region", "eu", str(same_id))
    assert one.exit_code == 0, one.output
    assert lines(one)[0] == f"[eu] {same_id}: replayed (webhook; was: eu: no event name)"
    assert inbox_status(eu, same_id) == ("pending", None)
    assert inbox_status(primary, same_id) == ("dead", "primary: no event name")

    us_dead = add_inbox_row(primary, error="cannot normalize")
    eu_dead = add_inbox_row(eu, error="cannot normalize")
    everything = invoke(replay_command, env, "--error-contains", "normalize")

    assert everything.exit_code == 0, everything.output
    assert lines(everything)[:3] == [
        f"[primary] {us_dead}: replayed (webhook; was: cannot normalize)",
        f"[eu] {eu_dead}: replayed (webhook; was: cannot normalize)",
        "replayed 2 dead letters",
    ]
    assert inbox_status(primary, us_dead)[0] == inbox_status(eu, eu_dead)[0] == "pending"


def test_settings_without_an_eu_database_keep_one_database_everywhere(
    pg_url: str, pg_engine: Engine, mailgun: Fakes, tmp_path: Path
) -> None:
    """The same commands with DATABASE_URL alone: their lines are as before, no database named."""
    settings = settings_for_fakes(pg_url, mailgun, tmp_path)
    assert settings.database_url_eu is None
    dead = add_inbox_row(pg_engine, error="cannot normalize")
    try:
        replayed = invoke(replay_command, cli_env(settings), str(dead))
        assert lines(replayed)[0] == f"{dead}: replayed (webhook; was: cannot normalize)"
        checked = invoke(check, cli_env(settings))
        assert [line.split(":")[0] for line in lines(checked)[:4]] == [
            "ok       settings",
            "ok       database",
            "ok       database partitions",
            "ok       broker",
        ]
    finally:
        truncate_all(pg_engine)
