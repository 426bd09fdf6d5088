"""`mailhook routes install`: an inbound route forwarding raw MIME to this service, in each region."""

from __future__ import annotations

import click

from app.cli.common import OK, PROBLEMS, fail, need_api_key, settings_or_exit
from app.core.regions import REGIONS
from workers.mailgun.registration import base_url_problem
from workers.mailgun.setup import install_route


@click.group()
def routes() -> None:
    """Mailgun inbound routes pointing at this service."""


@routes.command()
@click.option("--url", required=True, help="The service's public base URL, e.g. https://mailhook.example.com")
@click.option("--expression", required=True, help="Mailgun filter, e.g. match_recipient('.*@in.example.com')")
@click.option("--region", "regions", multiple=True, type=click.Choice(REGIONS),
              help="Region (repeatable; default: every region with a configured domain).")  # fmt: skip
@click.option("--priority", default=0, show_default=True, type=int, help="Smaller runs first.")
@click.option("--stop/--no-stop", default=False, help="Add stop(): later routes do not see the message.")
@click.option("--description", default="mailhook inbound", show_default=True)
def install(
    url: str, expression: str, regions: tuple[str, ...], priority: int, stop: bool, description: str
) -> None:
    """Create the route forwarding to /inbound/mailgun/mime unless one already does (idempotent)."""
    settings = settings_or_exit()
    problem = base_url_problem(url)
    if problem:
        fail(f"--url: {problem}")
    need_api_key(settings)
    chosen = list(dict.fromkeys(regions)) or sorted(set(settings.domain_regions.values()))
    if not chosen:
        fail("no region: configure MAILGUN_DOMAINS or name one with --region")
    code = OK
    for region in chosen:
        done = install_route(settings, region, url, expression, stop=stop, priority=priority,
                             description=description)  # fmt: skip
        click.echo(f"{region}: route {expression}: {done.outcome} ({done.detail})")
        code = code if done.ok else PROBLEMS
    raise SystemExit(code)
