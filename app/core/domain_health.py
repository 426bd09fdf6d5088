"""Domain health: per configured sending domain and region, how its mail fared over the last 24 hours and
7 days, and whether its bounce or complaint rate is past the level at which Mailgun throttles or suspends.

bounce rate = hard bounces / (delivered + hard bounces); complaint rate = complaints / delivered. A hard
bounce is an event of type `bounced` (a permanent failure; temporary ones are `deferred`). Each domain is
counted in the database that keeps its region, one index range per (domain, type) on
ix_events_domain_region_type_occurred_at, so the dashboard and a Prometheus scrape can both read it live.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Select, Table, case, func, select

from app.core.metrics import GaugeReading
from app.core.models.events import Event
from app.core.models.events_vocab import EventType
from app.core.reading import Reading
from app.core.settings import Settings
from app.core.stores import Store

events: Table = Event.__table__  # type: ignore[assignment]
# The windows shown and exported, longest last: the query reads the longest once and splits the shorter out.
WINDOWS: tuple[tuple[str, timedelta], ...] = (("24h", timedelta(hours=24)), ("7d", timedelta(days=7)))
COUNTED = (EventType.DELIVERED, EventType.BOUNCED, EventType.COMPLAINED)


@dataclass(frozen=True, slots=True)
class Rates:
    delivered: int
    bounced: int
    complained: int

    @property
    def bounce_rate(self) -> float:
        sent = self.delivered + self.bounced
        return self.bounced / sent if sent else 0.0

    @property
    def complaint_rate(self) -> float:
        return self.complained / self.delivered if self.delivered else 0.0


@dataclass(frozen=True, slots=True)
class DomainHealth:
    domain: str
    region: str
    windows: dict[str, Rates]  # window name → its counts


def read_domain_health(
    databases: Sequence[tuple[Store, Engine]], settings: Settings, now: datetime
) -> list[DomainHealth]:
    """Every configured domain, in (domain, region) order, counted in its own region's database."""
    found: list[DomainHealth] = []
    for store, engine in databases:
        wanted = sorted((d, r) for d, r in settings.domain_regions.items() if r in store.regions)
        if not wanted:
            continue
        with engine.connect() as connection:
            counts = {
                (row.domain, row.region, row.type): row
                for row in connection.execute(_counts_query(wanted, now))
            }
        for domain, region in wanted:
            found.append(DomainHealth(domain, region, _windows(counts, domain, region)))
    return sorted(found, key=lambda health: (health.domain, health.region))


def health_gauges(found: Sequence[DomainHealth], settings: Settings) -> list[GaugeReading]:
    """The same rates as Prometheus gauges, with the configured limits so alerts follow the settings."""
    labels = ["region", "domain", "window"]
    rows = [(h, name, rates) for h in found for name, rates in h.windows.items()]
    return [
        (
            "mailhook_domain_events",
            "Delivered, bounced (hard) and complained events per domain over the window.",
            [*labels, "type"],
            [
                ([h.region, h.domain, name, kind], float(getattr(rates, kind)))
                for h, name, rates in rows
                for kind in ("delivered", "bounced", "complained")
            ],
        ),
        (
            "mailhook_domain_bounce_rate",
            "Hard bounces / (delivered + hard bounces) per domain over the window.",
            labels,
            [([h.region, h.domain, name], rates.bounce_rate) for h, name, rates in rows],
        ),
        (
            "mailhook_domain_complaint_rate",
            "Complaints / delivered per domain over the window.",
            labels,
            [([h.region, h.domain, name], rates.complaint_rate) for h, name, rates in rows],
        ),
        (
            "mailhook_domain_bounce_rate_limit",
            "The bounce rate past which a domain is unhealthy (MAILHOOK_BOUNCE_RATE_LIMIT_PERCENT).",
            [],
            [([], settings.bounce_rate_limit)],
        ),
        (
            "mailhook_domain_complaint_rate_limit",
            "The complaint rate past which a domain is unhealthy (MAILHOOK_COMPLAINT_RATE_LIMIT_PERCENT).",
            [],
            [([], settings.complaint_rate_limit)],
        ),
    ]


def _counts_query(wanted: Sequence[tuple[str, str]], now: datetime) -> Select[Any]:
    per_window = [
        func.sum(case((events.c.occurred_at >= now - span, 1), else_=0)).label(f"n_{name}")
        for name, span in WINDOWS
    ]
    # IN lists (not an OR of pairs) keep it one index scan; a pair not configured is dropped by the caller.
    return (
        select(events.c.domain, events.c.region, events.c.type, *per_window)
        .where(
            events.c.domain.in_(sorted({d for d, _ in wanted})),
            events.c.region.in_(sorted({r for _, r in wanted})),
            events.c.type.in_([str(t) for t in COUNTED]),
            events.c.occurred_at >= now - WINDOWS[-1][1],
            events.c.occurred_at <= now,
        )
        .group_by(events.c.domain, events.c.region, events.c.type)
    )


def _windows(counts: dict[tuple[str, str, str], Any], domain: str, region: str) -> dict[str, Rates]:
    def count(kind: str, name: str) -> int:
        row = counts.get((domain, region, kind))
        return int(getattr(row, f"n_{name}") or 0) if row is not None else 0

    return {
        name: Rates(
            count(EventType.DELIVERED, name),
            count(EventType.BOUNCED, name),
            count(EventType.COMPLAINED, name),
        )
        for name, _ in WINDOWS
    }


class DomainHealthCache:
    """The latest reading, kept for CACHE_SECONDS per web process (app/core/reading.py says why), shared by
    the console's page and the scrape."""

    CACHE_SECONDS = 30.0

    def __init__(self) -> None:
        self.reading: Reading[list[DomainHealth]] = Reading(self.CACHE_SECONDS)

    def read(self, databases: Sequence[tuple[Store, Engine]], settings: Settings) -> list[DomainHealth]:
        return self.reading.read(lambda: read_domain_health(databases, settings, datetime.now(UTC)))

    def readings(self, databases: Sequence[tuple[Store, Engine]], settings: Settings) -> list[GaugeReading]:
        """What a scrape adds: every configured domain's rates, read from each region's database."""
        return health_gauges(self.read(databases, settings), settings)
