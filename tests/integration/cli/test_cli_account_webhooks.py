"""`mailhook webhooks install --account` and `webhooks status` with account-level webhooks (`/v1/webhooks`),
against fake Mailgun servers that validate every request against Mailgun's OpenAPI description."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from app.cli.webhooks import webhooks
from tests.integration.reconcile_support import US, Fakes, cli_env, settings_for_fakes
from workers.mailgun.account_webhooks import DESCRIPTION
from workers.mailgun.registration import SUBSCRIBABLE

BASE = "https://hooks.example.net"
Invoke = Callable[..., Result]


@pytest.fixture
def run(fakes: Fakes, tmp_path: Path) -> Invoke:
    env = cli_env(settings_for_fakes(f"sqlite:///{tmp_path / 'unused.sqlite3'}", fakes, tmp_path))

    def invoke(command: click.Command, *args: str, **extra: str) -> Result:
        return CliRunner().invoke(command, list(args), env={**env, **extra})

    return invoke


def lines(result: Result) -> list[str]:
    return result.output.strip().splitlines()


def hooks(fake: object) -> list[tuple[str, list[str], str]]:
    return [(h["url"], sorted(h["event_types"]), h["description"]) for h in fake.account_webhooks()]  # type: ignore[attr-defined]


def test_one_webhook_per_region_with_every_type_and_a_second_run_creates_nothing(
    run: Invoke, fakes: Fakes
) -> None:
    first = run(webhooks, "install", "--url", BASE, "--account")
    again = run(webhooks, "install", "--url", BASE, "--account")

    assert first.exit_code == 0, first.output
    assert [line.split(":")[0] for line in lines(first)] == ["account (us) *", "account (eu) *"]
    assert all(": created" in line for line in lines(first))
    assert lines(again) == [
        "account (us) *: kept (already registered)",
        "account (eu) *: kept (already registered)",
    ]
    assert hooks(fakes.us) == [(f"{BASE}/webhooks/mailgun?region=us", sorted(SUBSCRIBABLE), DESCRIPTION)]
    assert hooks(fakes.eu) == [(f"{BASE}/webhooks/mailgun?region=eu", sorted(SUBSCRIBABLE), DESCRIPTION)]
    assert len(fakes.us.calls_to("POST", "/v1/webhooks")) == 1
    assert fakes.us.calls_to(path_prefix="/v3/domains") == []
    fakes.check()


def test_a_moved_service_replaces_its_own_webhook_and_never_another_partys(run: Invoke, fakes: Fakes) -> None:
    theirs = fakes.us.add_account_webhook("https://crm.example.org/mailgun", ["delivered", "opened"], "CRM")
    fakes.us.add_account_webhook(
        "https://old.example.net/webhooks/mailgun?region=us", ["delivered"], DESCRIPTION
    )

    result = run(webhooks, "install", "--url", BASE, "--account")

    assert result.exit_code == 0, result.output
    assert lines(result)[0] == (
        "account (us) *: updated (replaced our earlier URL https://old.example.net/webhooks/mailgun?region=us)"
    )
    assert sorted(hooks(fakes.us)) == [
        ("https://crm.example.org/mailgun", ["delivered", "opened"], "CRM"),
        (f"{BASE}/webhooks/mailgun?region=us", sorted(SUBSCRIBABLE), DESCRIPTION),
    ]
    assert fakes.us.calls_to("PUT", f"/v1/webhooks/{theirs}") == []
    fakes.check()


def test_a_type_held_by_three_other_urls_is_refused(run: Invoke, fakes: Fakes) -> None:
    for n in range(3):
        fakes.eu.add_account_webhook(f"https://tool{n}.example.org/in", ["opened"], f"tool {n}")

    result = run(webhooks, "install", "--url", BASE, "--account")

    assert result.exit_code == 1
    assert lines(result)[1].startswith("account (eu) *: refused (opened already held by 3 other URLs")
    assert len(fakes.eu.account_webhooks()) == 3


def test_status_reports_both_levels_and_warns_when_both_hold_our_endpoint(run: Invoke, fakes: Fakes) -> None:
    assert run(webhooks, "status", "--url", BASE).exit_code == 1  # nothing registered anywhere
    assert run(webhooks, "install", "--url", BASE, "--account").exit_code == 0

    covered = run(webhooks, "status", "--url", BASE)
    assert covered.exit_code == 0, covered.output
    assert f"{US} (us) delivered: registered (at the account level)" in lines(covered)
    assert f"account (us) *: registered ({BASE}/webhooks/mailgun?region=us)" in lines(covered)
    assert not any("warning" in line for line in lines(covered))

    assert run(webhooks, "install", "--url", BASE, "--domain", US).exit_code == 0
    doubled = run(webhooks, "status", "--url", BASE)
    assert doubled.exit_code == 0
    [warning] = [line for line in lines(doubled) if "warning" in line]
    assert warning.startswith(f"{US} (us) *: warning (both levels hold our endpoint")
    fakes.check()


def test_status_shows_both_levels_per_type_from_one_read_of_each(run: Invoke, fakes: Fakes) -> None:
    assert run(webhooks, "install", "--url", BASE, "--account").exit_code == 0
    assert run(webhooks, "install", "--url", BASE, "--domain", US).exit_code == 0
    fakes.us.reset(state=False)

    both = run(webhooks, "status", "--url", BASE, "--domain", US)

    assert both.exit_code == 0, both.output
    domain_url = f"{BASE}/webhooks/mailgun?region=us&domain={US}"
    assert f"{US} (us) clicked: registered ({domain_url}, and at the account level)" in lines(both)
    assert lines(both)[0] == f"account (us) *: registered ({BASE}/webhooks/mailgun?region=us)"
    assert lines(both)[-1].endswith("Mailgun sends each event to both URLs (stored once, twice the traffic); "
                                    "remove the domain-level webhooks)")  # fmt: skip
    reads = [(c.method, c.path) for c in fakes.us.calls]
    assert reads == [("GET", "/v1/webhooks"), ("GET", f"/v3/domains/{US}/webhooks")]
    fakes.check()


def test_the_account_url_held_at_the_domain_level_too_is_sent_once(run: Invoke, fakes: Fakes) -> None:
    account_url = f"{BASE}/webhooks/mailgun?region=us"
    fakes.us.add_account_webhook(account_url, SUBSCRIBABLE, DESCRIPTION)
    fakes.us.add_webhook(US, "delivered", [account_url])

    result = run(webhooks, "status", "--url", BASE, "--domain", US)

    assert result.exit_code == 0, result.output
    [warning] = [line for line in lines(result) if "warning" in line]
    once = ("the domain level holds the account-level URL itself: Mailgun sends each event once, from the "
            "account level; remove the domain-level entries")  # fmt: skip
    assert warning == f"{US} (us) *: warning ({once})"
    fakes.check()


def test_an_incomplete_account_webhook_covers_the_types_it_holds(run: Invoke, fakes: Fakes) -> None:
    fakes.us.add_account_webhook(f"{BASE}/webhooks/mailgun?region=us", ["delivered", "opened"], DESCRIPTION)

    result = run(webhooks, "status", "--url", BASE, "--domain", US)

    assert result.exit_code == 1
    assert lines(result)[0].startswith("account (us) *: incomplete (")
    assert f"{US} (us) delivered: registered (at the account level)" in lines(result)
    assert f"{US} (us) opened: registered (at the account level)" in lines(result)
    assert f"{US} (us) clicked: missing (0 other URLs)" in lines(result)
