"""`mailhook lists refresh [--region R]`: read each region's mailing lists now, into its own database, and
queue the list unsubscribes its bounces and complaints still owe (what beat does at start and on schedule)."""

from __future__ import annotations

import click

from app.cli.common import OK, PROBLEMS, fail, need_api_key, plural, settings_or_exit
from app.core.regions import REGIONS
from workers.mailgun.client import MailgunError
from workers.sync.tasks import refresh_alone, syncs


@click.group()
def lists() -> None:
    """The mirror of Mailgun's mailing lists, per region."""


@lists.command()
@click.option(
    "--region", type=click.Choice(REGIONS), help="One region (default: every region with a domain)."
)
def refresh(region: str | None) -> None:
    """Mirror every list of each region now and converge; exit status 1 when a region fails."""
    settings = settings_or_exit()
    need_api_key(settings)
    regions = [region] if region else [r for r in REGIONS if settings.domains_in(r)]
    if not regions or not all(syncs(settings, r) for r in regions):
        fail("no domain of MAILGUN_DOMAINS is in that region: it has no lists to mirror")
    code = OK
    for name in regions:
        try:
            done = refresh_alone(settings, name)
        except (MailgunError, OSError) as exc:
            click.echo(f"{name}: failed: {exc}")
            code = PROBLEMS
            continue
        if done is None:
            click.echo(f"{name}: busy: another refresh of this region is running")
            code = PROBLEMS
            continue
        click.echo(f"{name}: {plural(done.lists, 'list')}, {plural(done.members, 'member')} mirrored; "
                   f"{plural(done.queued, 'list unsubscribe')} queued")  # fmt: skip
    raise SystemExit(code)
