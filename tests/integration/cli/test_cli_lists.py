"""`mailhook lists refresh`: each region's mirror read now, what is owed queued, one line per region."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from app.cli.lists import lists
from tests.integration.reconcile_support import KEY, Fakes, cli_env, settings_for_fakes


def test_refresh_mirrors_each_region_and_says_so(db_url: str, fakes: Fakes, tmp_path: Path) -> None:
    env = cli_env(settings_for_fakes(db_url, fakes, tmp_path))
    fakes.us.add_member("team@mg.example.com", "a@x.org")
    fakes.us.add_member("team@mg.example.com", "b@x.org")
    fakes.eu.add_member("team@mg.example.eu", "c@x.org")

    result = CliRunner().invoke(lists, ["refresh"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "us: 1 list, 2 members mirrored; 0 list unsubscribes queued",
        "eu: 1 list, 1 member mirrored; 0 list unsubscribes queued",
    ]
    assert KEY not in result.output

    only_eu = CliRunner().invoke(lists, ["refresh", "--region", "eu"], env=env)
    assert only_eu.output.splitlines() == ["eu: 1 list, 1 member mirrored; 0 list unsubscribes queued"]

    fakes.us.fail_next(10, status=500, path_prefix="/v3/lists")
    failed = CliRunner().invoke(lists, ["refresh", "--region", "us"], env=env)
    assert failed.exit_code == 1 and failed.output.startswith("us: failed: ")
    keyless = CliRunner().invoke(lists, ["refresh"], env={**env, "MAILGUN_API_KEY": None})
    assert keyless.exit_code == 2
