"""`mailhook reconcile`: the poll now, or a window read again, with progress lines and exit codes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from app.cli.reconcile import reconcile
from tests.integration.reconcile_support import (
    EU,
    KEY,
    US,
    Fakes,
    cli_env,
    cursor,
    event_item,
    items_from,
    log_queries,
    now,
    settings_for_fakes,
    stored,
)
from workers.mailgun.logs import LOGS_PATH

Invoke = Callable[..., Result]


@pytest.fixture
def run(db_url: str, fakes: Fakes, tmp_path: Path) -> Invoke:
    env: dict[str, Any] = cli_env(settings_for_fakes(db_url, fakes, tmp_path))

    def invoke(*args: str, **extra: str) -> Result:
        return CliRunner().invoke(reconcile, list(args), env={**env, **extra})

    return invoke


def lines(result: Result) -> list[str]:
    return result.output.strip().splitlines()


def test_a_poll_now_shows_its_pages_and_moves_the_cursor(run: Invoke, engine: Engine, fakes: Fakes) -> None:
    fakes.us.add_events(US, items_from(now() - timedelta(hours=10), 350, step=timedelta(seconds=60)))

    result = run("--domain", US)

    assert result.exit_code == 0, result.output
    output = lines(result)
    assert output[0] == f"{US} (us): polling from its cursor"
    assert output[1].startswith("  page 1: 100 seen, 100 new, 0 dead letters, up to ")
    assert output[4].startswith("  page 4: 350 seen, 350 new, 0 dead letters, up to ")
    assert output[5].startswith(f"{US} (us): caught up; 4 pages, 350 events seen, 350 new, 0 dead letters;")
    assert len(stored(engine)) == 350
    assert cursor(engine, US).last_outcome == "caught_up"
    assert KEY not in result.output


def test_a_backfill_reads_a_window_and_leaves_the_cursor(run: Invoke, engine: Engine, fakes: Fakes) -> None:
    old = event_item(now() - timedelta(hours=30))
    fakes.eu.add_events(EU, [old, event_item(now() - timedelta(hours=50))])

    result = run("--domain", EU, "--since", "36h", "--until", "1m")

    assert result.exit_code == 0, result.output
    assert lines(result)[0].startswith(f"{EU}: --until capped at ")
    assert lines(result)[1].startswith(f"{EU} (eu): reading ")
    assert lines(result)[-1].startswith(f"{EU} (eu): caught up; 1 page, 1 event seen, 1 new")
    assert set(stored(engine)) == {old["id"]}
    assert cursor(engine, EU) is None
    [query] = log_queries(fakes.eu, EU)
    start = parsedate_to_datetime(query["start"]).timestamp()
    assert start == pytest.approx((now() - timedelta(hours=36)).timestamp(), abs=60)


def test_every_domain_by_default_and_a_failure_exits_1(run: Invoke, fakes: Fakes) -> None:
    fakes.eu.fail_next(10, status=502, path_prefix=LOGS_PATH)

    result = run()

    assert result.exit_code == 1
    summaries = [line for line in lines(result) if not line.startswith(" ") and "; " in line]
    assert [line.split(":")[0] for line in summaries] == [f"{US} (us)", f"{EU} (eu)", "news.example.com (us)"]
    assert "failed; 0 pages" in summaries[1] and "error: 502 on POST" in summaries[1]
    assert "caught up" in summaries[0] and "caught up" in summaries[2]


@pytest.mark.parametrize(
    ("args", "extra", "message"),
    [
        (["--domain", "unknown.example"], {}, "not in MAILGUN_DOMAINS: unknown.example"),
        (["--until", "1h"], {}, "--until needs --since"),
        (["--since", "yesterday"], {}, "nor an age such as 6h"),
        ([], {"MAILGUN_API_KEY": ""}, "MAILGUN_API_KEY is not set"),
        ([], {"MAILHOOK_POLL_TRUST_LAG_SECONDS": "soon"}, "MAILHOOK_POLL_TRUST_LAG_SECONDS must be a whole"),
    ],
)
def test_usage_and_configuration_errors_exit_2(
    run: Invoke, fakes: Fakes, args: list[str], extra: dict[str, str], message: str
) -> None:
    result = run(*args, **extra)
    assert result.exit_code == 2
    assert message in result.output
    assert fakes.us.calls == [] and fakes.eu.calls == []
