"""GET /stats: event counts per type per hour or day, every bucket of the range listed (empty ones too).

Buckets are UTC. `since` is rounded down to its bucket's start, so the first bucket is whole; `until` is
exclusive and defaults to now, so the last bucket may still be filling. Ranges are bounded (31 days of
hours, a year of days) because every bucket is listed and every row in range is read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import ColumnElement, Connection, Select, func, literal, select

from app.api.bounds import EARLIEST, LATEST
from app.api.params import Args, choice_arg, lower_arg, read_args, time_range
from app.api.problems import bad_parameter
from app.api.scope import REGION, Scope, request_scope
from app.core.models.events import Event
from app.core.timeparse import format_time

events = Event.__table__
PARAMS = ("domain", REGION, "since", "until", "interval")
DEFAULT_INTERVAL = "day"
STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
DEFAULT_SPANS = {"hour": timedelta(hours=24), "day": timedelta(days=30)}
# 366 days, so that a leap calendar year still counts as one year.
MAX_SPANS = {"hour": timedelta(days=31), "day": timedelta(days=366)}
_SQLITE_FORMATS = {"hour": "%Y-%m-%d %H:00:00", "day": "%Y-%m-%d 00:00:00"}


@dataclass(frozen=True, slots=True)
class StatsRange:
    interval: str
    start: datetime
    end: datetime

    def bucket_starts(self) -> list[datetime]:
        step, current, starts = STEPS[self.interval], self.start, []
        while current < self.end:
            starts.append(current)
            if LATEST - current < step:  # the last bucket of year 9999: a next start is not a datetime
                break
            current += step
        return starts


def event_stats() -> Response:
    args = read_args(request.args.items(multi=True), PARAMS)
    scope = request_scope(args)
    interval = choice_arg(args, "interval", tuple(STEPS)) or DEFAULT_INTERVAL
    since, until = time_range(args)
    span = stats_range(interval, since, until, now=datetime.now(UTC))
    with scope.read_engine.connect() as connection:
        counts = read_counts(connection, span, _filters(args, scope))
    return jsonify(stats_document(span, counts))


def read_counts(
    connection: Connection, span: StatsRange, filters: list[ColumnElement[bool]]
) -> list[tuple[datetime, str, int]]:
    """(bucket start, type, count) for every non-empty bucket of the range."""
    rows = connection.execute(counts_query(span, filters, connection.dialect.name)).all()
    return [(_as_utc(bucket), kind, count) for bucket, kind, count in rows]


def stats_range(
    interval: str, since: datetime | None, until: datetime | None, *, now: datetime
) -> StatsRange:
    end = until or now
    # Near year 1, the default span starts at the earliest time rather than before it (an overflow).
    start = since or max(end, EARLIEST + DEFAULT_SPANS[interval]) - DEFAULT_SPANS[interval]
    if start > end:
        raise bad_parameter("since", "is after 'until' (which defaults to now)")
    if end - start > MAX_SPANS[interval]:
        raise bad_parameter(
            "since",
            f"is too far before 'until': at most {MAX_SPANS[interval].days} days with interval={interval}",
        )
    return StatsRange(interval, floor_to(start, interval), end)


def floor_to(value: datetime, interval: str) -> datetime:
    value = value.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return value.replace(hour=0) if interval == "day" else value


def counts_query(span: StatsRange, filters: list[ColumnElement[bool]], dialect: str) -> Select[Any]:
    # Bucketing in a subquery: GROUP BY then names a plain column, where grouping by a bound-parameter
    # expression would not match the selected one on Postgres.
    bucketed = (
        select(_bucket(span.interval, dialect).label("bucket"), events.c.type)
        .where(events.c.occurred_at >= span.start, events.c.occurred_at < span.end, *filters)
        .subquery()
    )
    return select(bucketed.c.bucket, bucketed.c.type, func.count()).group_by(
        bucketed.c.bucket, bucketed.c.type
    )


def stats_document(span: StatsRange, counts: list[tuple[datetime, str, int]]) -> dict[str, Any]:
    per_bucket: dict[datetime, dict[str, int]] = defaultdict(dict)
    for bucket, kind, count in counts:
        per_bucket[bucket][kind] = count
    return {
        "interval": span.interval,
        "since": format_time(span.start),
        "until": format_time(span.end),
        "buckets": [
            {
                "start": format_time(start),
                "total": sum(per_bucket[start].values()),
                "counts": dict(sorted(per_bucket[start].items())),
            }
            for start in span.bucket_starts()
        ],
    }


def _bucket(interval: str, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        # timezone('UTC', timestamptz) gives the UTC wall-clock time, whatever the session's TimeZone is.
        return func.date_trunc(literal(interval), func.timezone(literal("UTC"), events.c.occurred_at))
    return func.strftime(literal(_SQLITE_FORMATS[interval]), events.c.occurred_at)


def _as_utc(bucket: datetime | str) -> datetime:
    # Postgres answers a naive UTC timestamp, SQLite the text strftime wrote.
    value = datetime.fromisoformat(bucket) if isinstance(bucket, str) else bucket
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _filters(args: Args, scope: Scope) -> list[ColumnElement[bool]]:
    domain = lower_arg(args, "domain")
    return [*([events.c.domain == domain] if domain is not None else []), *scope.only(events.c.region)]
