"""The time ranges `events` is partitioned into on Postgres: pure date arithmetic, no database.

A partition holds the events of one period, [start, next start), in UTC: a day (`daily`) or a calendar
month (`monthly`), by MAILHOOK_EVENT_PARTITIONS. Partitions of both widths may coexist (a deployment that
switched): what is wanted is always cut to the gaps the existing partitions leave, so no two ever overlap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

DAILY, MONTHLY = "daily", "monthly"
PERIODS = (DAILY, MONTHLY)
PARENT = "events"
DEFAULT_PARTITION = "events_default"
NAME_PREFIX = "events_p"
# Mailgun retries a webhook for up to 8 hours: a day closed for one more has received its late events.
SORT_SETTLE = timedelta(days=1)


class Range(NamedTuple):
    """[lower, upper) of `occurred_at`, both UTC."""

    lower: datetime
    upper: datetime


def period_start(moment: datetime, period: str) -> datetime:
    """The start of the period that holds `moment`."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day if period == DAILY else day.replace(day=1)


def next_start(start: datetime, period: str) -> datetime:
    """The start of the period after the one starting at `start`."""
    if period == DAILY:
        return start + timedelta(days=1)
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


def periods_between(first: datetime, last: datetime, period: str) -> list[Range]:
    """Every period from the one holding `first` to the one holding `last`, both included."""
    ranges, start = [], period_start(first, period)
    while start <= last:
        upper = next_start(start, period)
        ranges.append(Range(start, upper))
        start = upper
    return ranges


def ahead(now: datetime, period: str, count: int = 2) -> list[Range]:
    """The current period and the ones after it: `count` in all."""
    start, ranges = period_start(now, period), []
    for _ in range(count):
        upper = next_start(start, period)
        ranges.append(Range(start, upper))
        start = upper
    return ranges


def gaps(wanted: Range, existing: Iterable[Range]) -> list[Range]:
    """The parts of `wanted` no existing range covers, in order."""
    pieces, cursor = [], wanted.lower
    for taken in sorted(r for r in existing if r.upper > wanted.lower and r.lower < wanted.upper):
        if taken.lower > cursor:
            pieces.append(Range(cursor, taken.lower))
        cursor = max(cursor, taken.upper)
    if cursor < wanted.upper:
        pieces.append(Range(cursor, wanted.upper))
    return pieces


def partition_name(lower: datetime, period: str) -> str:
    """events_p20261202 for a day, events_p202612 for a whole month; a piece of a month starting on another
    day (cut by existing partitions) is named by its first day."""
    if period == MONTHLY and lower.day == 1 and lower.hour == 0:
        return f"{NAME_PREFIX}{lower:%Y%m}"
    return f"{NAME_PREFIX}{lower:%Y%m%d}"


def expired(ranges: Sequence[Range], cutoff: datetime) -> list[Range]:
    """The ranges wholly older than `cutoff`: whole partitions retention can drop."""
    return [r for r in ranges if r.upper <= cutoff]


def to_sort(
    ranges: Iterable[Range], now: datetime, cutoff: datetime, settle: timedelta = SORT_SETTLE
) -> list[Range]:
    """The ranges whose partitions are worth rewriting in recipient order (workers/ops/partition_sort.py),
    newest first: closed for `settle` (the events late for them have come), and not about to be dropped
    (starting `settle` or more after the retention's cutoff, so retention deletes nothing from them)."""
    return sorted((r for r in ranges if r.upper <= now - settle and r.lower >= cutoff + settle), reverse=True)


def is_partition_name(name: str) -> bool:
    """Whether a table name is one of `events`' partitions (schema comparisons leave them out)."""
    return name == DEFAULT_PARTITION or (name.startswith(NAME_PREFIX) and name[len(NAME_PREFIX) :].isdigit())


def held_at_most_until(name: str) -> datetime | None:
    """The latest time a partition of this name can hold (the end of its month, whatever its width), from
    the name alone: for a partition that was detached and not yet dropped, whose bounds are gone with it."""
    digits = name.removeprefix(NAME_PREFIX)
    if not name.startswith(NAME_PREFIX) or not digits.isdigit() or len(digits) not in (6, 8):
        return None
    try:
        lower = datetime.strptime(digits[:6] + "01", "%Y%m%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return next_start(lower, MONTHLY)


def newest_unbroken(ranges: Iterable[Range]) -> Range | None:
    """The stretch of time that the newest range and the ranges right before it cover without a gap: where
    a reader can be sure no row of the default partition lies. None without ranges."""
    ordered = sorted(ranges, reverse=True)
    if not ordered:
        return None
    lower, upper = ordered[0]
    for earlier in ordered[1:]:
        if earlier.upper != lower:
            break
        lower = earlier.lower
    return Range(lower, upper)
