"""What the dashboard shows, read in one connection per database.

With the EU region in a database of its own (DATABASE_URL_EU) every database is read: event counts and the
inbox backlog add up, the sync backlog and the poller positions keep their regions, and each database's own
inbox backlog is listed too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from app.api.stats import read_counts, stats_range
from app.core.backlog import (
    Backlog,
    PollPosition,
    freshest_positions,
    merge_backlogs,
    read_backlog,
    read_poll_positions,
)
from app.core.settings import Settings
from app.core.stores import Store
from app.dashboard.chart import HourCounts


@dataclass(frozen=True, slots=True)
class DatabaseBacklog:
    name: str  # "primary", or the region whose database this is
    regions: tuple[str, ...]
    backlog: Backlog


@dataclass(frozen=True, slots=True)
class DashboardData:
    now: datetime
    hourly: list[HourCounts]
    totals: dict[str, int]
    backlog: Backlog  # every database's, merged
    domains: dict[str, str]
    # (region, domain) → the Events API poller's cursor, as the dashboard shows it.
    poll: dict[tuple[str, str], PollView]
    # Each database's inbox backlog; listed on the page when there is more than one database.
    databases: list[DatabaseBacklog]


@dataclass(frozen=True, slots=True)
class StatusData:
    """The backlog and the poller without the 24 h counts: what the live view reloads every few seconds."""

    backlog: Backlog
    domains: dict[str, str]
    poll: dict[tuple[str, str], PollView]


def read_status(databases: Sequence[tuple[Store, Engine]], settings: Settings, now: datetime) -> StatusData:
    backlogs: list[Backlog] = []
    positions: list[PollPosition] = []
    for _, engine in databases:
        with engine.connect() as connection:
            backlogs.append(read_backlog(connection, now))
            positions += read_poll_positions(connection)
    poll = poll_views(freshest_positions(positions))
    return StatusData(merge_backlogs(backlogs), dict(settings.domain_regions), poll)


@dataclass(frozen=True, slots=True)
class PollView:
    position: str
    last_run: str
    outcome: str


@dataclass(frozen=True, slots=True)
class DayCounts:
    """Events per type per hour over the last 24 h, every database's added up."""

    hourly: list[HourCounts]
    totals: dict[str, int]


def read_day_counts(databases: Sequence[tuple[Store, Engine]], now: datetime) -> DayCounts:
    span = stats_range("hour", None, None, now=now)
    per_hour: dict[datetime, dict[str, int]] = {start: {} for start in span.bucket_starts()}
    totals: dict[str, int] = {}
    for _, engine in databases:
        with engine.connect() as connection:
            counts = read_counts(connection, span, [])
        for start, kind, count in counts:
            hour = per_hour.setdefault(start, {})
            hour[kind] = hour.get(kind, 0) + count
            totals[kind] = totals.get(kind, 0) + count
    hourly = [HourCounts(start, per_hour[start]) for start in sorted(per_hour)]
    return DayCounts(hourly, dict(sorted(totals.items())))


def read_dashboard(
    databases: Sequence[tuple[Store, Engine]], settings: Settings, now: datetime, day: DayCounts | None = None
) -> DashboardData:
    """The overview; `day` is the 24 h counts when the caller holds a recent reading of them."""
    day = day if day is not None else read_day_counts(databases, now)
    each: list[DatabaseBacklog] = []
    positions: list[PollPosition] = []
    for store, engine in databases:
        with engine.connect() as connection:
            each.append(DatabaseBacklog(store.name, store.regions, read_backlog(connection, now)))
            positions += read_poll_positions(connection)
    backlog = merge_backlogs(database.backlog for database in each)
    poll = poll_views(freshest_positions(positions))
    return DashboardData(now, day.hourly, day.totals, backlog, dict(settings.domain_regions), poll, each)


def poll_views(positions: Sequence[PollPosition]) -> dict[tuple[str, str], PollView]:
    """The poller's cursors, as text; a domain not yet polled has no entry."""
    return {
        (p.region, p.domain): PollView(
            position=_when(p.trusted_until, "no page stored yet"),
            last_run=_when(p.last_run_at, "never"),
            outcome=p.last_outcome or "running",
        )
        for p in positions
    }


def _when(moment: datetime | None, otherwise: str) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment is not None else otherwise
