"""Stats ranges: defaults, rounding to bucket starts, bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.api.problems import ApiError
from app.api.stats import stats_range

NOW = datetime(2025, 3, 10, 15, 42, 7, tzinfo=UTC)


def test_hour_defaults_to_the_last_24_hours_in_whole_hours() -> None:
    span = stats_range("hour", None, None, now=NOW)
    assert (span.start, span.end) == (datetime(2025, 3, 9, 15, tzinfo=UTC), NOW)
    starts = span.bucket_starts()
    assert len(starts) == 25
    assert starts[-1] == datetime(2025, 3, 10, 15, tzinfo=UTC)


def test_day_defaults_to_30_days() -> None:
    span = stats_range("day", None, None, now=NOW)
    assert span.start == datetime(2025, 2, 8, tzinfo=UTC)
    assert len(span.bucket_starts()) == 31


def test_until_is_exclusive_for_aligned_ends() -> None:
    span = stats_range("day", datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 3, tzinfo=UTC), now=NOW)
    assert span.bucket_starts() == [datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 2, tzinfo=UTC)]


def test_a_leap_year_of_days_and_31_days_of_hours_are_allowed() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert len(stats_range("day", start, start + timedelta(days=366), now=NOW).bucket_starts()) == 366
    assert len(stats_range("hour", start, start + timedelta(days=31), now=NOW).bucket_starts()) == 744


@pytest.mark.parametrize(
    ("interval", "span"), [("day", timedelta(days=366, seconds=1)), ("hour", timedelta(days=31, seconds=1))]
)
def test_longer_ranges_are_400(interval: str, span: timedelta) -> None:
    with pytest.raises(ApiError) as refused:
        stats_range(interval, NOW - span, NOW, now=NOW)
    assert refused.value.status == 400


def test_since_in_the_future_without_until_is_400() -> None:
    with pytest.raises(ApiError, match="'since'"):
        stats_range("hour", NOW + timedelta(hours=1), None, now=NOW)
