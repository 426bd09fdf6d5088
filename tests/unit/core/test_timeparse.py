"""Times in (RFC 3339, RFC 2822, epoch seconds) and out (RFC 3339 UTC) of the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.timeparse import TimeParseError, format_time, parse_time

NOON = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-01-31T12:00:00Z", NOON),
        ("2025-01-31t12:00:00z", NOON),
        ("2025-01-31 12:00:00Z", NOON),
        ("2025-01-31T13:00:00+01:00", NOON),
        ("2025-01-31T07:30:00-04:30", NOON),
        # An unencoded `+` in a query string arrives as a space.
        ("2025-01-31T13:00:00 01:00", NOON),
        ("2025-01-31T12:00:00.250Z", NOON.replace(microsecond=250_000)),
        ("2025-01-31T12:00:00.123456789Z", NOON.replace(microsecond=123_456)),
    ],
)
def test_rfc3339_with_a_zone(raw: str, expected: datetime) -> None:
    parsed = parse_time(raw)
    assert parsed == expected
    assert parsed.tzinfo == UTC


@pytest.mark.parametrize(
    "raw",
    [
        "Fri, 31 Jan 2025 12:00:00 +0000",
        "Fri, 31 Jan 2025 13:00:00 +0100",
        "Fri, 31 Jan 2025 12:00:00 -0000",
        "Fri, 31 Jan 2025 12:00:00 GMT",
        "31 Jan 2025 07:00:00 EST",
        "Fri, 31 Jan 2025 13:00:00  0100",
    ],
)
def test_rfc2822_with_a_zone(raw: str) -> None:
    assert parse_time(raw) == NOON


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1738324800", NOON),
        (" 1738324800 ", NOON),
        ("1738324800.5", NOON.replace(microsecond=500_000)),
        ("1738324800.000001", NOON.replace(microsecond=1)),
        ("0", datetime(1970, 1, 1, tzinfo=UTC)),
    ],
)
def test_epoch_seconds(raw: str, expected: datetime) -> None:
    assert parse_time(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "yesterday",
        "2025-01-31",  # a date, not an instant
        "2025-01-31T12:00:00",  # no zone: which noon?
        "Fri, 31 Jan 2025 12:00:00",
        "2025-13-01T00:00:00Z",
        "2025-02-30T00:00:00Z",
        "2025-01-31T25:00:00Z",
        "1738324800000",  # milliseconds, refused rather than read as the year 57000
        "-1",
        "1e9",
        "0x10",
        "١٧٣٨٣٢٤٨٠٠",  # Arabic-Indic digits are digits to str.isdigit, not to us
    ],
)
def test_unparsable_times_are_refused(raw: str) -> None:
    with pytest.raises(TimeParseError):
        parse_time(raw)


def test_format_is_rfc3339_utc_with_z() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_time(datetime(2025, 1, 31, 14, 0, tzinfo=plus_two)) == "2025-01-31T12:00:00Z"
    assert format_time(NOON.replace(microsecond=1500)) == "2025-01-31T12:00:00.001500Z"


def test_format_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_time(datetime(2025, 1, 31, 12, 0))


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)))
def test_formatted_times_parse_back_to_the_same_instant(value: datetime) -> None:
    assert parse_time(format_time(value)) == value
