"""What the dashboard shows, read in one connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine

from app.api.stats import read_counts, stats_range
from app.backlog import Backlog, read_backlog, read_poll_positions
from app.dashboard.chart import HourCounts
from app.settings import Settings


@dataclass(frozen=True, slots=True)
class DashboardData:
    now: datetime
    hourly: list[HourCounts]
    totals: dict[str, int]
    backlog: Backlog
    domains: dict[str, str]
    # (region, domain) → the Events API poller's cursor, as the dashboard shows it.
    poll: dict[tuple[str, str], PollView]


@dataclass(frozen=True, slots=True)
class PollView:
    position: str
    last_run: str
    outcome: str


def read_dashboard(engine: Engine, settings: Settings, now: datetime) -> DashboardData:
    span = stats_range("hour", None, None, now=now)
    with engine.connect() as connection:
        counts = read_counts(connection, span, [])
        backlog = read_backlog(connection, now)
        poll = read_poll_views(connection)
    per_hour: dict[datetime, dict[str, int]] = {start: {} for start in span.bucket_starts()}
    totals: dict[str, int] = {}
    for start, kind, count in counts:
        per_hour.setdefault(start, {})[kind] = count
        totals[kind] = totals.get(kind, 0) + count
    hourly = [HourCounts(start, per_hour[start]) for start in sorted(per_hour)]
    return DashboardData(
        now, hourly, dict(sorted(totals.items())), backlog, dict(settings.domain_regions), poll
    )


def read_poll_views(connection: Connection) -> dict[tuple[str, str], PollView]:
    """The poller's cursors, as text; a domain not yet polled has no entry."""
    return {
        (p.region, p.domain): PollView(
            position=_when(p.trusted_until, "no page stored yet"),
            last_run=_when(p.last_run_at, "never"),
            outcome=p.last_outcome or "running",
        )
        for p in read_poll_positions(connection)
    }


def _when(moment: datetime | None, otherwise: str) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment is not None else otherwise
