"""`mailhook webhooks install|status`: register the service for every event type, and see it.

Per domain (each in its own region, `?region=&domain=` hints in the URL, others' URLs kept), or with
`--account` once per region through Mailgun's account-level webhooks (`?region=` only), which fire for every
domain and subaccount of the account. `status` reports both levels: a domain type held only at the account
level counts as registered, and a domain whose own webhooks also hold our endpoint is warned about.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

from app.cli.common import OK, PROBLEMS, chosen_domains, fail, need_api_key, settings_or_exit
from workers.mailgun.account_setup import install_account_webhooks
from workers.mailgun.registration import base_url_problem
from workers.mailgun.setup import Done, install_webhooks
from workers.mailgun.status import webhooks_report


@click.group()
def webhooks() -> None:
    """Mailgun domain webhooks pointing at this service."""


@webhooks.command()
@click.option("--url", required=True, help="The service's public base URL, e.g. https://mailhook.example.com")
@click.option("--domain", "domains", multiple=True, help="A configured domain (repeatable; default: all).")
@click.option("--account", is_flag=True, help="One account-level webhook per region instead of per domain.")
def install(url: str, domains: tuple[str, ...], account: bool) -> None:
    """Register the service for every subscribable event type (idempotent)."""
    settings = settings_or_exit()
    _check_url(url)
    need_api_key(settings)
    if account and domains:
        raise click.UsageError("--account registers every domain of a region at once: no --domain with it")
    if account:
        raise SystemExit(_report(install_account_webhooks(settings, url)))
    raise SystemExit(_report(install_webhooks(settings, url, chosen_domains(settings, domains))))


@webhooks.command()
@click.option("--url", help="The service's base URL (default: any URL ending in /webhooks/mailgun counts).")
@click.option("--domain", "domains", multiple=True, help="A configured domain (repeatable; default: all).")
def status(url: str | None, domains: tuple[str, ...]) -> None:
    """Account level per region, both levels per domain and type; exit status 1 when a type has neither."""
    settings = settings_or_exit()
    if url:
        _check_url(url)
    need_api_key(settings)
    raise SystemExit(_report(webhooks_report(settings, url, chosen_domains(settings, domains))))


def _check_url(url: str) -> None:
    problem = base_url_problem(url)
    if problem:
        fail(f"--url: {problem}")


def _report(lines: Iterable[Done]) -> int:
    code = OK
    for done in lines:
        detail = f" ({done.detail})" if done.detail else ""
        click.echo(f"{done.subject} ({done.region}) {done.kind}: {done.outcome}{detail}")
        code = code if done.ok else PROBLEMS
    return code
