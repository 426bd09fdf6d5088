"""poll_events: close every gap the webhooks leave, from Mailgun's event log, per domain, in its region.

Mailgun never retries `delivered` webhooks and gives up on others after ~8 h; its event log keeps them for
days. Each configured domain is read oldest first from its cursor, in its own region, from the Logs API (or
the Events API: sources.py), through the same normalizer and unique key as the webhooks: an event already
received is not stored again, a missed one is (`source = logs_api` or `events_api`). One domain failing (5xx
after retries, a 429 longer than the client may wait, a refused key, its database down) is recorded on its
cursor where it can be and the others go on.

A domain's cursor, lease, events and dead letters live in the database that keeps its region's data
(app/core/stores.py): the beat's poll goes over each database with the domains whose regions it keeps.

`mailhook reconcile` runs the same functions once, with progress on the terminal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import shared_task
from sqlalchemy import Engine

from app.core.db import engine_for_url
from app.core.regions import REGIONS
from app.core.settings import Settings
from app.core.stores import stores
from app.core.task_names import POLL_EVENTS
from app.core.unit_of_work import unit_of_work
from workers.mailgun.client import MailgunClient, MailgunError
from workers.poll.polling import Verdict, Window, advance, judge_page, newest_time, poll_window
from workers.poll.sources import ChosenSource, ItemKind
from workers.poll.store import PageCounts, claim_cursor, record_page, settle_cursor, store_items
from workers.settings import task_settings

log = logging.getLogger(__name__)

# One run's share of a worker: well under the task time limit; a backlog continues on the next run.
POLL_BUDGET_SECONDS = 240.0
# The lease outlives the budget, so a run that dies without settling frees its domain on its own.
LEASE_MARGIN = timedelta(seconds=120)
MAX_PAGES_PER_RUN = 10_000


@dataclass
class PollReport:
    region: str
    domain: str
    pages: int = 0
    seen: int = 0
    new: int = 0
    dead: int = 0
    outcome: str = "caught_up"  # caught_up, waiting, partial, failed, busy
    error: str | None = None
    trusted_until: datetime | None = None

    def add(self, counts: PageCounts) -> None:
        self.pages += 1
        self.seen += counts.seen
        self.new += counts.new
        self.dead += counts.dead


Progress = Callable[[PollReport], None]


@dataclass(frozen=True, slots=True)
class Reader:
    """What reading one window needs; `track` says whether the domain's cursor follows the pages. Readers
    of one region's run share one source, so its fallback to the Events API happens (and is logged) once."""

    engine: Engine
    settings: Settings
    client: MailgunClient
    now: datetime
    deadline: float
    track: bool
    on_page: Progress | None = None
    shared_source: ChosenSource | None = None
    source: ChosenSource = field(init=False)

    def __post_init__(self) -> None:
        chosen = self.shared_source or ChosenSource(self.client, self.settings.poll.source)
        object.__setattr__(self, "source", chosen)

    @property
    def lag(self) -> timedelta:
        return timedelta(seconds=self.settings.poll.trust_lag_seconds)


def poll_domain(reader: Reader, domain: str) -> PollReport:
    """One poll of `domain` from its cursor, which moves with every page stored."""
    region, settings = reader.client.region, reader.settings
    hold = timedelta(seconds=max(0.0, reader.deadline - time.monotonic())) + LEASE_MARGIN
    lease = claim_cursor(reader.engine, region, domain, reader.now, hold)
    if lease is None:
        return PollReport(region, domain, outcome="busy", error="another run holds this domain's cursor")
    report = PollReport(region, domain, trusted_until=lease.trusted_until)
    lookback = timedelta(hours=settings.poll.lookback_hours)
    window = poll_window(lease.trusted_until, reader.now, reader.lag, lookback)
    try:
        if window is None:
            report.outcome = "waiting"
        else:
            read_window(reader, domain, window, report)
    except Exception as exc:
        report.outcome, report.error = "failed", type(exc).__name__
        raise
    finally:
        settle_cursor(reader.engine, region, domain, trusted_until=report.trusted_until,
                      outcome=report.outcome, error=report.error, now=reader.now)  # fmt: skip
    return report


def backfill_domain(reader: Reader, domain: str, window: Window) -> PollReport:
    """An operator's window, read once; the domain's cursor is left alone."""
    report = PollReport(reader.client.region, domain)
    read_window(reader, domain, window, report)
    return report


def read_window(reader: Reader, domain: str, window: Window, report: PollReport) -> None:
    """Page through `window` oldest first; a Mailgun failure ends the read as `failed`, pages kept."""
    try:
        _read_pages(reader, domain, window, report)
    except MailgunError as exc:
        report.outcome, report.error = "failed", str(exc)


def _read_pages(reader: Reader, domain: str, window: Window, report: PollReport) -> None:
    position: str | None = None
    for _ in range(MAX_PAGES_PER_RUN):
        if time.monotonic() > reader.deadline:
            report.outcome = "partial"  # the time budget is spent; the next run goes on from the cursor
            return
        page = reader.source.page(domain, window, position)
        judged = judge_page(page.items, reader.now, reader.lag, page.kind.time_of)
        if judged.trusted:
            _store_page(reader, domain, judged.trusted, page.kind, report)
        ended = judged.verdict is Verdict.END or (judged.verdict is Verdict.USE and page.last)
        if ended:  # nothing older than the trust horizon can still appear
            report.outcome = "caught_up"
            report.trusted_until = advance(report.trusted_until, window.end)
            return
        if judged.verdict is Verdict.WAIT:
            report.outcome = "waiting"
            return
        if page.following is None:
            report.outcome = "partial"
            return
        position = page.following
    report.outcome = "partial"


def _store_page(reader: Reader, domain: str, items: list[object], kind: ItemKind, report: PollReport) -> None:
    region = reader.client.region
    trusted_until = advance(report.trusted_until, newest_time(items, kind.time_of))
    with unit_of_work(reader.engine) as work:  # the page and the cursor's advance, together
        counts = store_items(work, reader.settings, region, domain, items, kind)
        if reader.track:
            record_page(work.connection, region, domain, trusted_until, counts)
    report.trusted_until = trusted_until
    report.add(counts)
    if reader.on_page is not None:
        reader.on_page(report)


def poll_every_store(
    settings: Settings, *, now: datetime | None = None, budget: float = POLL_BUDGET_SECONDS
) -> list[PollReport]:
    """One poll of every configured domain, each into the database that keeps its region's data. The time
    left is shared by the domains left, so what one database's domains do not use goes to the next."""
    if not settings.api_key:
        log.info("poll skipped: MAILGUN_API_KEY is not set")
        return []
    now = now or datetime.now(UTC)
    start, reports = time.monotonic(), list[PollReport]()
    counts = [(store, _domain_count(settings, store.regions)) for store in stores(settings)]
    left = sum(n for _, n in counts)
    for store, mine in counts:
        if not mine:
            continue
        share = max(0.0, budget - (time.monotonic() - start)) * mine / left
        engine = engine_for_url(store.url)
        reports += poll_all(engine, settings, now=now, budget=share, regions=store.regions)
        left -= mine
    return reports


def poll_all(
    engine: Engine,
    settings: Settings,
    *,
    now: datetime | None = None,
    budget: float = POLL_BUDGET_SECONDS,
    regions: Sequence[str] = REGIONS,
) -> list[PollReport]:
    """One poll of every configured domain of `regions`, in its region, stored through `engine`; each domain
    gets an equal share of the time budget."""
    if not settings.api_key:
        log.info("poll skipped: MAILGUN_API_KEY is not set")
        return []
    now = now or datetime.now(UTC)
    domains = [(region, domain) for region in regions for domain in settings.domains_in(region)]
    start, reports = time.monotonic(), list[PollReport]()
    for region in (region for region in regions if settings.domains_in(region)):
        with MailgunClient.for_region(settings, region) as client:
            source = ChosenSource(client, settings.poll.source)
            for domain in settings.domains_in(region):
                share = budget * (len(reports) + 1) / len(domains)
                reader = Reader(
                    engine, settings, client, now, start + share, track=True, shared_source=source
                )
                reports.append(_poll_safely(reader, domain))
    return reports


def _poll_safely(reader: Reader, domain: str) -> PollReport:
    """Whatever goes wrong with one domain is logged and reported; the next domain is polled all the same."""
    try:
        report = poll_domain(reader, domain)
    except Exception as exc:
        log.exception("poll of %s failed", domain)
        return PollReport(reader.client.region, domain, outcome="failed", error=type(exc).__name__)
    level = logging.WARNING if report.outcome == "failed" else logging.INFO
    log.log(level, "poll %s (%s): %s, %d pages, %d seen, %d new, %d dead%s", domain, report.region,
            report.outcome, report.pages, report.seen, report.new, report.dead,
            f": {report.error}" if report.error else "")  # fmt: skip
    return report


@shared_task(name=POLL_EVENTS, bind=True, ignore_result=True)
def poll_events(self: Any) -> int:
    """Beat: poll every configured domain once; the number of events new to the table."""
    settings = task_settings(self.app)
    return sum(report.new for report in poll_every_store(settings))


def _domain_count(settings: Settings, regions: Sequence[str]) -> int:
    return sum(len(settings.domains_in(region)) for region in regions)
