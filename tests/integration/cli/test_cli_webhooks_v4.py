"""Domain-level `webhooks install` writes through `/v4/domains/{domain}/webhooks` (one call per domain) and
through v3, type by type, where v4 answers 404; against spec-validating fake Mailgun servers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from app.cli.webhooks import webhooks
from tests.integration.reconcile_support import EU, US, Fakes, cli_env, settings_for_fakes
from workers.mailgun.registration import SUBSCRIBABLE

BASE = "https://hooks.example.net"
THEIRS = "https://crm.example.org/mailgun"
Invoke = Callable[..., Result]


@pytest.fixture
def run(fakes: Fakes, tmp_path: Path) -> Invoke:
    env = cli_env(settings_for_fakes(f"sqlite:///{tmp_path / 'unused.sqlite3'}", fakes, tmp_path))

    def invoke(command: click.Command, *args: str, **extra: str) -> Result:
        return CliRunner().invoke(command, list(args), env={**env, **extra})

    return invoke


def ours(region: str, domain: str) -> str:
    return f"{BASE}/webhooks/mailgun?region={region}&domain={domain}"


def test_one_v4_call_per_domain_registers_every_type_beside_others(run: Invoke, fakes: Fakes) -> None:
    fakes.us.add_webhook(US, "opened", [THEIRS])
    old = f"{BASE}/webhooks/mailgun?region=us"  # ours, with other hints
    fakes.us.add_webhook(US, "clicked", [old])

    result = run(webhooks, "install", "--url", BASE, "--domain", US)
    again = run(webhooks, "install", "--url", BASE, "--domain", US)

    assert result.exit_code == 0, result.output
    assert f"{US} (us) opened: created (kept 1 other URL)" not in lines(result)  # the type existed: updated
    assert f"{US} (us) opened: updated (kept 1 other URL)" in lines(result)
    hooks = fakes.us.webhooks(US)
    assert hooks["opened"] == [THEIRS, ours("us", US)]
    assert {kind: urls for kind, urls in hooks.items() if urls} == {
        kind: ([THEIRS] if kind == "opened" else []) + [ours("us", US)] for kind in SUBSCRIBABLE
    }
    writes = [c for c in fakes.us.calls if c.method != "GET"]
    assert [(c.method, c.path) for c in writes] == [
        ("POST", f"/v4/domains/{US}/webhooks"),
        ("DELETE", f"/v4/domains/{US}/webhooks"),
    ]
    assert writes[1].query == {"url": old}
    assert all(line.endswith(": kept (already registered)") for line in lines(again))
    fakes.check()


def test_where_v4_answers_404_v3_does_it_type_by_type(run: Invoke, fakes: Fakes) -> None:
    fakes.eu.fail_next(1, status=404, path_prefix=f"/v4/domains/{EU}/webhooks")

    result = run(webhooks, "install", "--url", BASE, "--domain", EU)

    assert result.exit_code == 0, result.output
    assert fakes.eu.webhooks(EU) == {kind: [ours("eu", EU)] for kind in SUBSCRIBABLE}
    assert len(fakes.eu.calls_to("POST", f"/v3/domains/{EU}/webhooks")) == len(SUBSCRIBABLE)
    fakes.check()


def lines(result: Result) -> list[str]:
    return result.output.strip().splitlines()
