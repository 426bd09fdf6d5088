"""`mailhook webhooks install|status`: register the service for every event type on every domain, and see it.

Each domain is set up in its own region with `?region=&domain=` hints in the URL; others' URLs are kept.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

from app.cli.common import OK, PROBLEMS, chosen_domains, fail, need_api_key, settings_or_exit
from workers.mailgun.registration import base_url_problem
from workers.mailgun.setup import Done, install_webhooks, webhook_status


@click.group()
def webhooks() -> None:
    """Mailgun domain webhooks pointing at this service."""


@webhooks.command()
@click.option("--url", required=True, help="The service's public base URL, e.g. https://mailhook.example.com")
@click.option("--domain", "domains", multiple=True, help="A configured domain (repeatable; default: all).")
def install(url: str, domains: tuple[str, ...]) -> None:
    """Register the service for every subscribable event type (idempotent)."""
    settings = settings_or_exit()
    _check_url(url)
    need_api_key(settings)
    raise SystemExit(_report(install_webhooks(settings, url, chosen_domains(settings, domains))))


@webhooks.command()
@click.option("--url", help="The service's base URL (default: any URL ending in /webhooks/mailgun counts).")
@click.option("--domain", "domains", multiple=True, help="A configured domain (repeatable; default: all).")
def status(url: str | None, domains: tuple[str, ...]) -> None:
    """Per domain and type: is the service registered? Exit status 1 when a type is not."""
    settings = settings_or_exit()
    if url:
        _check_url(url)
    need_api_key(settings)
    raise SystemExit(_report(webhook_status(settings, url, chosen_domains(settings, domains))))


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
