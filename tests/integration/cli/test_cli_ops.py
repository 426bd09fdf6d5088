"""`mailhook replay`, `check` and `purge`: their lines and exit codes, on Postgres and SQLite."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, insert, select

from app.cli.check import check
from app.cli.purge import purge_command
from app.cli.replay import replay_command
from app.core.models.events import Event
from app.core.models.inbound import InboundMessageRow
from app.core.models.inbox import InboxRow
from app.core.models.polling import PollCursor
from app.core.models.tokens import SignatureToken
from tests.integration.conftest import add_inbox_row, inbox_status
from tests.integration.reconcile_support import (
    KEY,
    US,
    Fakes,
    cli_env,
    count,
    event_item,
    now,
    seed_old_and_new,
    settings_for_fakes,
)
from workers.events.drain import drain_batch
from workers.mailgun import subaccounts

Invoke = Callable[..., Result]


@pytest.fixture
def env(db_url: str, fakes: Fakes, tmp_path: Path) -> dict[str, Any]:
    return cli_env(settings_for_fakes(db_url, fakes, tmp_path))


@pytest.fixture
def run(env: dict[str, Any]) -> Invoke:
    def invoke(command: click.Command, *args: str, **extra: str) -> Result:
        return CliRunner().invoke(command, list(args), env={**env, **extra})

    return invoke


def lines(result: Result) -> list[str]:
    return result.output.strip().splitlines()


# -- replay ---------------------------------------------------------------------------------------


def test_replay_by_id_reports_each_row(run: Invoke, engine: Engine) -> None:
    dead = add_inbox_row(engine, error="cannot normalize: no event name")
    done = add_inbox_row(engine, status="done", error=None)

    result = run(replay_command, str(dead), str(done), "999999")

    assert result.exit_code == 1
    assert lines(result) == [
        f"{dead}: replayed (webhook; was: cannot normalize: no event name)",
        f"{done}: is done, only dead rows are replayed",
        "999999: not found",
        "drain worker woken",
    ]
    assert inbox_status(engine, dead) == ("pending", None)
    assert inbox_status(engine, done)[0] == "done"


def test_replay_by_filter_and_dry_run(run: Invoke, engine: Engine) -> None:
    webhook = add_inbox_row(engine, error="unreadable body: JSONDecodeError")
    polled = add_inbox_row(engine, kind="events_api", domain_hint=US, error="cannot normalize: bad timestamp")

    dry = run(replay_command, "--kind", "events_api", "--dry-run")
    assert (dry.exit_code, lines(dry)[-1]) == (0, "would replay 1 dead letter")
    assert inbox_status(engine, polled)[0] == "dead"

    result = run(replay_command, "--domain", US, "--error-contains", "timestamp")
    assert result.exit_code == 0
    assert lines(result)[:2] == [
        f"{polled}: replayed (events_api; was: cannot normalize: bad timestamp)",
        "replayed 1 dead letter",
    ]
    assert inbox_status(engine, polled)[0] == "pending"
    assert inbox_status(engine, webhook)[0] == "dead"


def test_a_replayed_events_api_item_is_stored_by_the_drain(
    run: Invoke, engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    item = event_item(now())
    body = json.dumps(item).encode()
    add_inbox_row(engine, kind="events_api", route="events_api", body=body, domain_hint=US, region_hint="us",
                  error="cannot normalize: a bug since fixed")  # fmt: skip

    assert run(replay_command, "--all").exit_code == 0
    drain_batch(engine, settings_for_fakes(db_url, fakes, tmp_path))

    with engine.connect() as connection:
        assert connection.execute(select(Event.mailgun_event_id, Event.source)).all() == [
            (item["id"], "events_api")
        ]


@pytest.mark.parametrize(
    "args", [[], ["1", "--all"], ["1", "--kind", "webhook"], ["--all", "--kind", "webhook"]]
)
def test_replay_needs_ids_or_filters_not_both(run: Invoke, args: list[str]) -> None:
    result = run(replay_command, *args)
    assert result.exit_code == 2
    assert "name dead letters by IDS, or by filters" in result.output


# -- check ----------------------------------------------------------------------------------------


def test_check_passes_with_one_line_per_check(run: Invoke, db_url: str) -> None:
    result = run(check)

    assert result.exit_code == 0, result.output
    partitioned = ["ok       database partitions"] if db_url.startswith("postgresql") else []
    assert [line.split(":")[0] for line in lines(result)] == [
        "ok       settings",
        "ok       database",
        *partitioned,
        "ok       broker",
        "ok       mg.example.eu (eu)",
        "ok       mg.example.com (us)",
        "ok       news.example.com (us)",
        "ok       poll mg.example.com (us)",
        "ok       poll mg.example.eu (eu)",
        "ok       poll news.example.com (us)",
    ]
    assert lines(result)[-1] == "ok       poll news.example.com (us): not polled yet"
    assert KEY not in result.output


def test_check_names_a_refused_key_and_a_wrong_region(run: Invoke) -> None:
    domains = "mg.example.com:us,news.example.com:eu"  # news.example.com lives on the US host
    result = run(check, MAILGUN_API_KEY="key-wrong-0000", MAILGUN_DOMAINS=domains)

    assert result.exit_code == 1
    assert "PROBLEM  mg.example.com (us): the us API refused the configured key (401)" in lines(result)
    assert "PROBLEM  news.example.com (eu): the eu API refused the configured key (401)" in lines(result)
    right_key = run(check, MAILGUN_DOMAINS=domains)
    assert right_key.exit_code == 1
    assert ("PROBLEM  news.example.com (eu): not found on the eu API: another region, or not in this account"
            in lines(right_key))  # fmt: skip
    assert "key-wrong-0000" not in result.output


def test_check_probes_a_subaccounts_domain_on_its_behalf(run: Invoke, fakes: Fakes) -> None:
    fakes.us.add_subaccount_domain("mg.client.example", "6fr783930fhhriu673")
    domains = "mg.example.com:us,mg.client.example:us"
    unnamed = run(check, MAILGUN_DOMAINS=domains)
    assert unnamed.exit_code == 1
    assert ("PROBLEM  mg.client.example (us): not found on the us API: another region, or not in this account"
            in lines(unnamed))  # fmt: skip
    for how in ({"MAILGUN_SUBACCOUNTS": "mg.client.example:6fr783930fhhriu673"},
                {"MAILGUN_DISCOVER_SUBACCOUNTS": "true"}):  # fmt: skip
        subaccounts.forget()
        result = run(check, MAILGUN_DOMAINS=domains, **how)
        subaccounts.forget()
        assert result.exit_code == 0, result.output
        assert any(line.startswith("ok       mg.client.example (us): answers on") for line in lines(result))
    probes = fakes.us.calls_to("GET", "/v3/mg.client.example/events")
    assert [c.headers.get("X-Mailgun-On-Behalf-Of") for c in probes] == [None, *["6fr783930fhhriu673"] * 2]


def test_check_names_a_failing_poll(run: Invoke, engine: Engine) -> None:
    trusted = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with engine.begin() as connection:
        failed = {"region": "us", "domain": US, "last_outcome": "failed", "last_error": "GET answered 401"}
        fine = {"region": "eu", "domain": "mg.example.eu", "last_outcome": "caught_up", "last_error": None}
        connection.execute(
            insert(PollCursor), [{**failed, "trusted_until": trusted}, {**fine, "trusted_until": trusted}]
        )

    result = run(check)

    assert result.exit_code == 1
    assert lines(result)[-3:] == [
        "PROBLEM  poll mg.example.com (us): last poll failed: GET answered 401; events trusted up to "
        "2026-03-01T12:00:00+00:00",
        "ok       poll mg.example.eu (eu): caught up; events trusted up to 2026-03-01T12:00:00+00:00",
        "ok       poll news.example.com (us): not polled yet",
    ]


def test_check_names_an_unreachable_database_and_a_missing_schema(run: Invoke, tmp_path: Path) -> None:
    down = run(check, DATABASE_URL="postgresql://mailhook:s3cret@127.0.0.1:1/mailhook")
    assert down.exit_code == 1
    assert lines(down)[1].startswith("PROBLEM  database: unreachable: OperationalError: ")
    assert "s3cret" not in down.output

    empty = run(check, DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert empty.exit_code == 1
    assert lines(empty)[1].startswith("PROBLEM  database: schema at nothing, this code needs ")
    assert lines(empty)[1].endswith("run `mailhook db upgrade`")


def test_check_without_key_or_domains(run: Invoke) -> None:
    no_key = run(check, MAILGUN_API_KEY="")
    assert no_key.exit_code == 1
    assert "PROBLEM  mailgun: MAILGUN_API_KEY is not set: Mailgun cannot be polled or set up" in lines(no_key)
    no_domains = run(check, MAILGUN_DOMAINS="")
    assert no_domains.exit_code == 1
    assert "PROBLEM  mailgun: MAILGUN_DOMAINS is empty: no domain is polled or set up" in lines(no_domains)


def test_check_with_wrong_settings_exits_2(run: Invoke) -> None:
    result = run(check, MAILHOOK_POLL_LOOKBACK_HOURS="0")
    assert result.exit_code == 2
    assert "configuration error: MAILHOOK_POLL_LOOKBACK_HOURS must be at least 1" in result.output


def test_the_installed_command_has_every_operator_command(
    sqlite_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    mailhook = str(Path(sys.executable).with_name("mailhook"))
    env = cli_env(
        settings_for_fakes(sqlite_url, fakes, tmp_path)
    )  # one store is enough: this is about wiring
    environ = {k: v for k, v in env.items() if v is not None}
    done = subprocess.run([mailhook, "check"], env=environ, capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok       mg.example.eu (eu): answers on http://127.0.0.1:" in done.stdout
    helped = subprocess.run([mailhook, "--help"], capture_output=True, text=True, timeout=60, env=environ)
    for command in ("reconcile", "webhooks", "routes", "replay", "check", "purge"):
        assert f"  {command} " in helped.stdout


# -- purge ----------------------------------------------------------------------------------------


def test_purge_deletes_what_is_older_than_the_retention(run: Invoke, engine: Engine) -> None:
    # Here every event is in one partition (Postgres) or none (SQLite): rows are deleted either way.
    seed_old_and_new(engine)
    with engine.begin() as connection:
        for token, days in (("old-token", 40), ("new-token", 1)):
            taken_at = now() - timedelta(days=days)
            connection.execute(insert(SignatureToken).values(token=token, store="eu", taken_at=taken_at))

    dry = run(purge_command, "--older-than", "30d", "--dry-run")
    assert dry.exit_code == 0
    assert lines(dry)[1].startswith("events: 2 would be deleted")
    assert count(engine, Event) == 3

    result = run(purge_command, "--older-than", "30", "--batch-size", "1")

    assert result.exit_code == 0
    note = (
        "partitioned: partitions wholly older are dropped, rows deleted only in the one straddling it"
        if engine.dialect.name == "postgresql"
        else "the table is not partitioned: rows are deleted in bounded batches"
    )
    assert lines(result)[1:] == [
        f"events: 2 deleted in 3 batch(es) of 1 at most ({note})",
        "inbox: 2 deleted in 3 batch(es) of 1 at most (pending rows are kept)",
        "inbound_messages: 1 deleted in 2 batch(es) of 1 at most (attachments go with their message)",
        "signature_tokens: 1 deleted in 2 batch(es) of 1 at most (tokens taken across split databases)",
    ]
    assert (count(engine, Event), count(engine, InboxRow), count(engine, InboundMessageRow)) == (1, 2, 1)
    with engine.connect() as connection:
        assert connection.scalars(select(SignatureToken.token)).all() == ["new-token"]


def test_purge_uses_the_retention_setting_by_default(run: Invoke, engine: Engine) -> None:
    seed_old_and_new(engine)
    result = run(purge_command, MAILHOOK_RETENTION_DAYS="60")
    assert result.exit_code == 0
    assert "(60 days, 0:00:00)" in lines(result)[0]
    assert count(engine, Event) == 3


@pytest.mark.parametrize("age", ["0", "3w", "soon"])
def test_purge_refuses_a_wrong_age(run: Invoke, age: str) -> None:
    result = run(purge_command, "--older-than", age)
    assert result.exit_code == 2
    assert "is not an age such as 30d" in result.output
