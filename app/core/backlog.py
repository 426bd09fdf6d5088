"""What is waiting, what is dead, how far behind: read from the database, for /metrics and the dashboard.

Read at request time rather than counted in a process, so every process reports the same numbers. With the
EU region in a database of its own (app/core/stores.py) every database is read and the readings are merged:
counts add up, the oldest pending row is the oldest of all, and a poller position is the freshest any database
holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, func, select

from app.core.metrics import GaugeReading
from app.core.models.inbox_vocab import InboxKind, InboxStatus
from app.core.models.sync_vocab import SyncActionStatus
from app.core.models.tables import Base, InboxRow, PollCursor
from app.core.settings import Settings

inbox = InboxRow.__table__
# States of the sync outbox worth watching; `done` rows only grow and are not backlog.
OPEN_SYNC_STATES = (SyncActionStatus.PENDING, SyncActionStatus.FAILED, SyncActionStatus.DEAD)


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int
    oldest_pending_age: float
    dead_by_kind: dict[str, int]
    sync_by_region_state: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def dead(self) -> int:
        return sum(self.dead_by_kind.values())


def read_backlog(connection: Connection, now: datetime) -> Backlog:
    pending, oldest = connection.execute(
        select(func.count(), func.min(inbox.c.received_at)).where(inbox.c.status == InboxStatus.PENDING)
    ).one()
    dead = connection.execute(
        select(inbox.c.kind, func.count()).where(inbox.c.status == InboxStatus.DEAD).group_by(inbox.c.kind)
    ).all()
    age = (now - _utc(oldest)).total_seconds() if oldest is not None else 0.0
    return Backlog(int(pending), max(age, 0.0), {kind: int(n) for kind, n in dead}, _sync_backlog(connection))


def merge_backlogs(backlogs: Iterable[Backlog]) -> Backlog:
    """One backlog over several databases."""
    pending, oldest = 0, 0.0
    dead: dict[str, int] = {}
    sync: dict[tuple[str, str], int] = {}
    for backlog in backlogs:
        pending += backlog.pending
        oldest = max(oldest, backlog.oldest_pending_age)
        for kind, n in backlog.dead_by_kind.items():
            dead[kind] = dead.get(kind, 0) + n
        for key, n in backlog.sync_by_region_state.items():
            sync[key] = sync.get(key, 0) + n
    return Backlog(pending, oldest, dead, sync)


def _sync_backlog(connection: Connection) -> dict[tuple[str, str], int]:
    table = Base.metadata.tables.get("sync_actions")
    if table is None:
        return {}
    rows = connection.execute(
        select(table.c.region, table.c.status, func.count())
        .where(table.c.status.in_(OPEN_SYNC_STATES))
        .group_by(table.c.region, table.c.status)
    ).all()
    return {(region, status): int(n) for region, status, n in rows}


@dataclass(frozen=True, slots=True)
class PollPosition:
    """One domain's poller cursor: everything up to `trusted_until` is stored."""

    region: str
    domain: str
    trusted_until: datetime | None
    last_run_at: datetime | None
    last_outcome: str | None
    created_at: datetime

    def lag_seconds(self, now: datetime) -> float:
        """How far behind now the stored log is. Before a first page is stored the cursor has no position,
        so the lag is how long it has gone without one: a poller that never succeeds shows a growing lag.
        """
        since = self.trusted_until if self.trusted_until is not None else self.created_at
        return max((now - _utc(since)).total_seconds(), 0.0)


def read_poll_positions(connection: Connection) -> list[PollPosition]:
    cursor = PollCursor.__table__.c
    rows = connection.execute(
        select(
            cursor.region,
            cursor.domain,
            cursor.trusted_until,
            cursor.last_run_at,
            cursor.last_outcome,
            cursor.created_at,
        ).order_by(cursor.region, cursor.domain)
    ).all()
    return [PollPosition(*row) for row in rows]


def freshest_positions(positions: Iterable[PollPosition]) -> list[PollPosition]:
    """One position per (region, domain), in that order: a cursor left behind in a database that no longer
    keeps its region (before DATABASE_URL_EU was set) never hides the live one or doubles a gauge."""
    kept: dict[tuple[str, str], PollPosition] = {}
    for position in positions:
        key = (position.region, position.domain)
        if key not in kept or _freshness(position) > _freshness(kept[key]):
            kept[key] = position
    return [kept[key] for key in sorted(kept)]


def _freshness(position: PollPosition) -> datetime:
    return _utc(position.trusted_until if position.trusted_until is not None else position.created_at)


def read_every_database(engines: Sequence[Engine], now: datetime) -> tuple[list[Backlog], list[PollPosition]]:
    """Each database's backlog, in the order given, and every poller position; any database down raises."""
    backlogs, positions = [], []
    for engine in engines:
        with engine.connect() as connection:
            backlogs.append(read_backlog(connection, now))
            positions += read_poll_positions(connection)
    return backlogs, freshest_positions(positions)


@dataclass(frozen=True, slots=True)
class ExpectedSeries:
    """The label values every gauge reports from the first scrape, zero or not, so an alert on one of them is
    never silently absent: every inbox kind, every open sync state of each region with domains, every
    configured domain's poller lag."""

    kinds: tuple[str, ...] = tuple(InboxKind)
    regions: tuple[str, ...] = ()
    domains: tuple[tuple[str, str], ...] = ()  # (region, domain)
    # A configured domain without a cursor yet is this far behind: its first poll starts that far back.
    unpolled_lag_seconds: float = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ExpectedSeries:
        return cls(
            regions=tuple(sorted(set(settings.domain_regions.values()))),
            domains=tuple(sorted((r, d) for d, r in settings.domain_regions.items())),
            unpolled_lag_seconds=settings.poll.lookback_hours * 3600.0,
        )


def backlog_gauges(expected: ExpectedSeries, *engines: Engine) -> list[GaugeReading]:
    """Gauges over every database given (each region's, when they are kept apart): unlabelled counts are
    sums, labelled ones keep their region. A database that does not answer makes the scrape report the
    database down, as one database always did."""
    now = datetime.now(UTC)
    backlogs, positions = read_every_database(engines, now)
    backlog = merge_backlogs(backlogs)
    dead = {kind: 0 for kind in expected.kinds} | backlog.dead_by_kind
    sync: dict[tuple[str, str], int] = {(r, s): 0 for r in expected.regions for s in OPEN_SYNC_STATES}
    sync |= backlog.sync_by_region_state
    lag = {key: expected.unpolled_lag_seconds for key in expected.domains}
    lag |= {(p.region, p.domain): p.lag_seconds(now) for p in positions}
    return [
        ("mailhook_database_up", "Whether the database answered this scrape.", [], [([], 1.0)]),
        ("mailhook_inbox_pending", "Inbox rows waiting for the worker.", [], [([], float(backlog.pending))]),
        (
            "mailhook_inbox_oldest_pending_age_seconds",
            "Age of the oldest pending inbox row.",
            [],
            [([], backlog.oldest_pending_age)],
        ),
        (
            # Not `mailhook_dead_letters`: that is the family name of the counter mailhook_dead_letters_total
            # in the OpenMetrics format, and two families may not share a name.
            "mailhook_dead_letters_waiting",
            "Inbox rows dead-lettered and not replayed, by kind.",
            ["kind"],
            [([kind], float(n)) for kind, n in sorted(dead.items())],
        ),
        (
            "mailhook_sync_actions",
            "Sync actions not yet done, by region and state.",
            ["region", "state"],
            [([region, state], float(n)) for (region, state), n in sorted(sync.items())],
        ),
        (
            "mailhook_poller_lag_seconds",
            "How far behind now the poller's trusted position is, per domain, whichever log it reads.",
            ["region", "domain"],
            [([region, domain], seconds) for (region, domain), seconds in sorted(lag.items())],
        ),
    ]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
