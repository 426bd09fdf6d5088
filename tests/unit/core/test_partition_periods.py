"""The periods `events` is partitioned into: starts, widths, gaps left by partitions of another width."""

from __future__ import annotations

from datetime import UTC, datetime

from app.core.partition_periods import (
    DAILY,
    MONTHLY,
    Range,
    ahead,
    expired,
    gaps,
    held_at_most_until,
    is_partition_name,
    newest_unbroken,
    partition_name,
    period_start,
    periods_between,
    to_sort,
)


def at(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_a_period_starts_at_midnight_utc_or_on_the_first() -> None:
    assert period_start(at(2026, 12, 2, 18), DAILY) == at(2026, 12, 2)
    assert period_start(at(2026, 12, 2, 18), MONTHLY) == at(2026, 12, 1)


def test_ahead_is_the_current_and_the_next_period_across_a_year_end() -> None:
    assert ahead(at(2026, 12, 31, 23), DAILY) == [
        Range(at(2026, 12, 31), at(2027, 1, 1)),
        Range(at(2027, 1, 1), at(2027, 1, 2)),
    ]
    assert ahead(at(2026, 12, 15), MONTHLY) == [
        Range(at(2026, 12, 1), at(2027, 1, 1)),
        Range(at(2027, 1, 1), at(2027, 2, 1)),
    ]


def test_periods_between_cover_both_ends() -> None:
    assert [r.lower.day for r in periods_between(at(2026, 11, 29, 5), at(2026, 12, 1, 3), DAILY)] == [
        29,
        30,
        1,
    ]


def test_gaps_leave_out_what_existing_partitions_cover() -> None:
    month = Range(at(2026, 12, 1), at(2027, 1, 1))
    days = [Range(at(2026, 12, 1), at(2026, 12, 2)), Range(at(2026, 12, 2), at(2026, 12, 3))]
    assert gaps(month, days) == [Range(at(2026, 12, 3), at(2027, 1, 1))]
    assert gaps(days[0], [month]) == []
    assert gaps(month, []) == [month]
    assert gaps(month, [Range(at(2026, 12, 10), at(2026, 12, 11))]) == [
        Range(at(2026, 12, 1), at(2026, 12, 10)),
        Range(at(2026, 12, 11), at(2027, 1, 1)),
    ]


def test_names_say_the_period_and_are_recognised() -> None:
    assert partition_name(at(2026, 12, 2), DAILY) == "events_p20261202"
    assert partition_name(at(2026, 12, 1), MONTHLY) == "events_p202612"
    assert partition_name(at(2026, 12, 3), MONTHLY) == "events_p20261203"  # a month's remainder
    assert all(map(is_partition_name, ("events_p20261202", "events_p202612", "events_default")))
    assert not any(map(is_partition_name, ("events", "events_next", "events_pending")))


def test_only_ranges_wholly_before_the_cutoff_expire() -> None:
    days = [Range(at(2026, 11, d), at(2026, 11, d + 1)) for d in (1, 2, 3)]
    assert expired(days, at(2026, 11, 3, 12)) == days[:2]
    assert expired(days, at(2026, 11, 3)) == days[:2]


def test_a_detached_partition_holds_at_most_until_the_end_of_the_month_its_name_starts() -> None:
    assert held_at_most_until("events_p20261005") == datetime(2026, 11, 1, tzinfo=UTC)
    assert held_at_most_until("events_p202612") == datetime(2027, 1, 1, tzinfo=UTC)
    for not_one in ("events_default", "events_pnotes", "events_p2026", "events_p20261399", "inbox"):
        assert held_at_most_until(not_one) is None, not_one


def test_the_newest_unbroken_stretch_ends_at_the_newest_range_and_stops_at_the_first_gap() -> None:
    days = [Range(at(2026, 12, d), at(2026, 12, d + 1)) for d in (1, 2, 3, 5, 6)]
    month = Range(at(2026, 11, 1), at(2026, 12, 1))
    assert newest_unbroken(reversed(days)) == Range(at(2026, 12, 5), at(2026, 12, 7))  # any order in
    assert newest_unbroken([month, *days[:3]]) == Range(at(2026, 11, 1), at(2026, 12, 4))  # mixed widths
    assert newest_unbroken(days[:1]) == days[0]
    assert newest_unbroken([]) is None


def test_ranges_are_sorted_a_day_after_they_close_newest_first_and_not_near_the_cutoff() -> None:
    days = [Range(at(2026, 12, d), at(2026, 12, d + 1)) for d in (1, 2, 3, 4)]
    month = Range(at(2026, 11, 1), at(2026, 12, 1))
    now = at(2026, 12, 4, 6)  # the 4th is open, the 3rd closed 6 hours ago
    assert to_sort([*days, month], now, at(2026, 10, 1)) == [days[1], days[0], month]
    assert to_sort(days, at(2026, 12, 4), at(2026, 10, 1)) == [days[1], days[0]]  # a day exactly closed
    # A range starting within a day of the cutoff will soon be deleted from or dropped: left alone.
    assert to_sort([*days, month], now, at(2026, 11, 30, 12)) == [days[1]]
    assert to_sort([*days, month], now, at(2026, 10, 31)) == [days[1], days[0], month]
