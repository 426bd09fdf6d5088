"""How operators type times and ages on the command line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
import pytest

from app.cli.common import parse_age, parse_moment, stamp

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6h", NOW - timedelta(hours=6)),
        ("90m", NOW - timedelta(minutes=90)),
        ("2d", NOW - timedelta(days=2)),
        ("2026-02-27T08:00:00Z", datetime(2026, 2, 27, 8, tzinfo=UTC)),
        ("1772280000", datetime(2026, 2, 28, 12, tzinfo=UTC)),
    ],
)
def test_moments(raw: str, expected: datetime) -> None:
    assert parse_moment(raw, NOW) == expected


def test_a_moment_without_a_zone_is_refused() -> None:
    with pytest.raises(click.BadParameter, match="nor an age"):
        parse_moment("2026-02-27 08:00", NOW)


@pytest.mark.parametrize(("raw", "days"), [("30", 30), ("30d", 30), ("12h", 0.5), ("90m", 90 / 1440)])
def test_ages(raw: str, days: float) -> None:
    assert parse_age(raw) == timedelta(days=days)


@pytest.mark.parametrize("raw", ["0", "-3", "3w", "soon", ""])
def test_a_wrong_age_is_refused(raw: str) -> None:
    with pytest.raises(click.BadParameter):
        parse_age(raw)


def test_stamp() -> None:
    assert stamp(datetime(2026, 3, 1, 12, 0, 5, 900, tzinfo=UTC)) == "2026-03-01 12:00:05Z"
    assert stamp(None) == "-"
