"""`mailhook webhooks install|status` and `mailhook routes install` against fake Mailgun servers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from app.cli.routes import routes
from app.cli.webhooks import webhooks
from tests.integration.reconcile_support import (
    EU,
    US,
    US2,
    Fakes,
    cli_env,
    settings_for_fakes,
)
from workers.mailgun.registration import SUBSCRIBABLE

BASE = "https://hooks.example.net"
THEIRS = ["https://crm.example.org/mailgun", "https://stats.example.org/in", "https://audit.example.org/x"]


Invoke = Callable[..., Result]


@pytest.fixture
def run(fakes: Fakes, tmp_path: Path) -> Invoke:
    env = cli_env(settings_for_fakes(f"sqlite:///{tmp_path / 'unused.sqlite3'}", fakes, tmp_path))

    def invoke(command: click.Command, *args: str, **extra: str) -> Result:
        return CliRunner().invoke(command, list(args), env={**env, **extra})

    return invoke


def ours(region: str, domain: str) -> str:
    return f"{BASE}/webhooks/mailgun?region={region}&domain={domain}"


def lines(result: Result) -> list[str]:
    return result.output.strip().splitlines()


def test_install_registers_every_type_on_every_domain_in_its_region(run: Invoke, fakes: Fakes) -> None:
    result = run(webhooks, "install", "--url", BASE)

    assert result.exit_code == 0, result.output
    assert len(lines(result)) == 3 * len(SUBSCRIBABLE)
    assert f"{EU} (eu) delivered: created" in lines(result)
    assert fakes.us.webhooks(US) == {kind: [ours("us", US)] for kind in SUBSCRIBABLE}
    assert fakes.us.webhooks(US2)["opened"] == [ours("us", US2)]
    assert fakes.eu.webhooks(EU) == {kind: [ours("eu", EU)] for kind in SUBSCRIBABLE}
    assert fakes.us.calls_to(path_prefix=f"/v3/domains/{EU}") == []


def test_install_again_changes_nothing(run: Invoke, fakes: Fakes) -> None:
    assert run(webhooks, "install", "--url", BASE).exit_code == 0
    fakes.us.reset(state=False)

    result = run(webhooks, "install", "--url", BASE, "--domain", US)

    assert result.exit_code == 0
    assert set(lines(result)) == {f"{US} (us) {kind}: kept (already registered)" for kind in SUBSCRIBABLE}
    assert [call.method for call in fakes.us.calls] == ["GET"]


def test_install_keeps_others_urls_and_refuses_a_full_type(run: Invoke, fakes: Fakes) -> None:
    fakes.us.add_webhook(US, "delivered", THEIRS[:2])
    fakes.us.add_webhook(US, "clicked", THEIRS)

    result = run(webhooks, "install", "--url", BASE, "--domain", US)

    assert result.exit_code == 1
    assert f"{US} (us) delivered: updated (kept 2 other URLs)" in lines(result)
    refused = [line for line in lines(result) if "clicked" in line]
    assert refused == [f"{US} (us) clicked: refused (3 other URLs hold it (Mailgun allows 3): remove one, "
                       "then run again)"]  # fmt: skip
    hooks = fakes.us.webhooks(US)
    assert hooks["delivered"] == [*THEIRS[:2], ours("us", US)]
    assert hooks["clicked"] == THEIRS
    assert hooks["opened"] == [ours("us", US)]


def test_a_failing_domain_is_reported_and_the_others_are_set_up(run: Invoke, fakes: Fakes) -> None:
    fakes.us.fail_next(5, status=503, path_prefix=f"/v3/domains/{US}/webhooks")

    result = run(webhooks, "install", "--url", BASE)

    assert result.exit_code == 1
    failed = [line for line in lines(result) if line.startswith(f"{US} ")]
    assert len(failed) == 1 and failed[0].startswith(f"{US} (us) *: failed (503 on GET")
    assert fakes.us.webhooks(US2)["delivered"] == [ours("us", US2)]
    assert fakes.eu.webhooks(EU)["delivered"] == [ours("eu", EU)]


def test_status_says_per_domain_and_type_whether_we_are_registered(run: Invoke, fakes: Fakes) -> None:
    fakes.us.add_webhook(US, "opened", THEIRS[:1])
    before = run(webhooks, "status", "--domain", US)
    assert before.exit_code == 1
    assert f"{US} (us) opened: missing (1 other URL)" in lines(before)
    assert f"{US} (us) delivered: missing (0 other URLs)" in lines(before)

    run(webhooks, "install", "--url", BASE, "--domain", US)
    after = run(webhooks, "status", "--domain", US, "--url", BASE)

    assert after.exit_code == 0
    assert f"{US} (us) opened: registered ({ours('us', US)})" in lines(after)
    assert len(lines(after)) == len(SUBSCRIBABLE) + 1  # and the account level's line
    assert lines(after)[0] == "account (us) *: absent (no account-level webhook of ours)"
    elsewhere = run(webhooks, "status", "--domain", US, "--url", "https://other.example.net")
    assert elsewhere.exit_code == 1


@pytest.mark.parametrize(
    ("args", "extra", "message"),
    [
        (["install", "--url", "hooks.example.net"], {}, "is not an http(s) URL"),
        (
            ["install", "--url", BASE, "--domain", "unknown.example"],
            {},
            "not in MAILGUN_DOMAINS: unknown.example",
        ),
        (["install", "--url", BASE], {"MAILGUN_API_KEY": ""}, "MAILGUN_API_KEY is not set"),
        (["status"], {"MAILGUN_DOMAINS": "example.com:mars"}, "MAILGUN_DOMAINS entry 'example.com:mars'"),
    ],
)
def test_usage_and_configuration_errors_exit_2(
    run: Invoke, fakes: Fakes, args: list[str], extra: dict[str, str], message: str
) -> None:
    result = run(webhooks, *args, **extra)
    assert result.exit_code == 2
    assert message in result.output
    assert fakes.us.calls == []


EXPRESSION = "match_recipient('.*@in.example.com')"


def test_routes_install_forwards_raw_mime_in_each_region_once(run: Invoke, fakes: Fakes) -> None:
    fakes.us.add_route(EXPRESSION, ['forward("https://someone.example/else")'])

    first = run(routes, "install", "--url", BASE, "--expression", EXPRESSION, "--stop")
    second = run(routes, "install", "--url", BASE, "--expression", EXPRESSION, "--stop")

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert [line.split(": ")[-1].split(" (")[0] for line in lines(first)] == ["created", "created"]
    assert [line.split(": ")[-1].split(" (")[0] for line in lines(second)] == ["kept", "kept"]
    us_routes = fakes.us.routes()
    assert len(us_routes) == 2  # someone else's route, and ours
    assert us_routes[1]["actions"] == [f'forward("{BASE}/inbound/mailgun/mime?region=us")', "stop()"]
    assert us_routes[1]["expression"] == EXPRESSION
    assert [r["actions"][0] for r in fakes.eu.routes()] == [
        f'forward("{BASE}/inbound/mailgun/mime?region=eu")'
    ]


def test_routes_install_in_one_region_reports_a_failure(run: Invoke, fakes: Fakes) -> None:
    fakes.eu.fail_next(5, status=500, path_prefix="/v3/routes")

    result = run(routes, "install", "--url", BASE, "--expression", EXPRESSION, "--region", "eu")

    assert result.exit_code == 1
    assert lines(result)[0].startswith(f"eu: route {EXPRESSION}: failed (500 on GET /v3/routes")
    assert fakes.us.calls == []
