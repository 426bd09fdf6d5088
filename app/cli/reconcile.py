"""`mailhook reconcile`: run the event-log poll now, or read a window again, with progress on the terminal.

Without --since it is exactly the beat's poll of each domain, from its cursor, which it moves. With --since
(and --until) it reads that window once and leaves the cursor alone: a backfill after an outage. Each domain's
events and cursor are in the database that keeps its region's data (app/core/stores.py).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from app.cli.common import (
    OK,
    PROBLEMS,
    chosen_domains,
    need_api_key,
    parse_moment,
    plural,
    settings_or_exit,
    stamp,
)
from app.core.db import make_engine
from app.core.settings import Settings
from app.core.stores import store_for_region, stores
from workers.mailgun.client import MailgunClient
from workers.poll.polling import backfill_window
from workers.poll.reconcile import POLL_BUDGET_SECONDS, PollReport, Reader, backfill_domain, poll_domain

GOOD_OUTCOMES = ("caught_up", "waiting", "partial")


def _moment(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    return parse_moment(value) if value else None


@click.command()
@click.option("--domain", "domains", multiple=True, help="A configured domain (repeatable; default: all).")
@click.option(
    "--since", callback=_moment, help="Read from this time (6h, 2d, RFC 3339 or epoch); the cursor stays."
)
@click.option("--until", callback=_moment, help="Read up to this time (default: the trust horizon).")
def reconcile(domains: tuple[str, ...], since: datetime | None, until: datetime | None) -> None:
    """Fetch what the webhooks missed, now.

    Without --since: the beat's poll (Logs API, or Events API) from each cursor. With --since: that window,
    read once.
    """
    settings = settings_or_exit()
    need_api_key(settings)
    names = chosen_domains(settings, domains)
    if until is not None and since is None:
        raise click.UsageError("--until needs --since: without it the poll reads from the cursor")
    engines = {store.name: make_engine(store.url) for store in stores(settings)}
    try:
        reports = [
            _one(engines[_store_of(settings, domain)], settings, domain, since, until) for domain in names
        ]
    finally:
        for engine in engines.values():
            engine.dispose()
    raise SystemExit(OK if all(r.outcome in GOOD_OUTCOMES for r in reports) else PROBLEMS)


def _store_of(settings: Settings, domain: str) -> str:
    return store_for_region(settings, settings.domain_regions[domain]).name


def _one(
    engine: Any, settings: Settings, domain: str, since: datetime | None, until: datetime | None
) -> PollReport:
    region, now = settings.domain_regions[domain], datetime.now(UTC)
    with MailgunClient.for_region(settings, region) as client:
        reader = Reader(engine, settings, client, now, time.monotonic() + POLL_BUDGET_SECONDS,
                        track=since is None, on_page=_progress)  # fmt: skip
        if since is None:
            click.echo(f"{domain} ({region}): polling from its cursor")
            report = poll_domain(reader, domain)
        else:
            report = _backfill(reader, domain, since, until)
    _summary(report)
    return report


def _backfill(reader: Reader, domain: str, since: datetime, until: datetime | None) -> PollReport:
    lag = timedelta(seconds=reader.settings.poll.trust_lag_seconds)
    window, capped = backfill_window(since, until, reader.now, lag)
    if capped:
        click.echo(f"{domain}: --until capped at {stamp(reader.now - lag)}: newer events are not settled yet")
    if window is None:
        click.echo(
            f"{domain} ({reader.client.region}): nothing to read between {stamp(since)} and the horizon"
        )
        return PollReport(reader.client.region, domain, outcome="waiting")
    click.echo(f"{domain} ({reader.client.region}): reading {stamp(window.begin)} to {stamp(window.end)}")
    return backfill_domain(reader, domain, window)


def _progress(report: PollReport) -> None:
    click.echo(f"  page {report.pages}: {report.seen} seen, {report.new} new, {report.dead} dead letters, "
               f"up to {stamp(report.trusted_until)}")  # fmt: skip


def _summary(report: PollReport) -> None:
    counts = (f"{plural(report.pages, 'page')}, {plural(report.seen, 'event')} seen, {report.new} new, "
              f"{plural(report.dead, 'dead letter')}")  # fmt: skip
    line = (f"{report.domain} ({report.region}): {report.outcome.replace('_', ' ')}; {counts}; "
            f"trusted up to {stamp(report.trusted_until)}")  # fmt: skip
    click.echo(line + (f"; error: {report.error}" if report.error else ""))
