"""Hypothesis against the API's parameter parsers: every input is parsed into a value both stores take, or
refused with a 400 (404 for a path id) that names the parameter. Nothing else may escape them."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.api.bounds import EARLIEST, LATEST, MAX_BIGINT, MAX_INTEGER, MIN_BIGINT
from app.api.pagination import (
    MAX_LIMIT,
    decode_cursor,
    decode_time_cursor,
    encode_cursor,
    encode_time_cursor,
    parse_limit,
)
from app.api.params import path_id, read_args, time_range
from app.api.problems import ApiError
from app.api.stats import STEPS, stats_range
from app.core.timeparse import TimeParseError, format_time, parse_time

FUZZ = settings(max_examples=400, deadline=None)
NOW = datetime(2025, 3, 10, 15, 42, 7, tzinfo=UTC)

# Numbers at and past every boundary that matters: 32 and 64 bits, and far beyond.
edge_ints = st.sampled_from(
    [0, -1, MAX_INTEGER, MAX_INTEGER + 1, MAX_BIGINT, MAX_BIGINT + 1, MIN_BIGINT - 1, 10**30]
)
huge_ints = st.one_of(
    edge_ints,
    st.integers(),
    st.integers(MIN_BIGINT - 10**6, MIN_BIGINT + 10**6),
    st.integers(MAX_BIGINT - 10**6, MAX_BIGINT + 10**6),
    st.integers(-(10**140), 10**140),
)
json_parts = st.recursive(
    st.none() | st.booleans() | huge_ints | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=2),
    max_leaves=6,
)
offsets = st.integers(-(24 * 60) + 1, 24 * 60 - 1).map(
    lambda m: f"{'+-'[m < 0]}{abs(m) // 60:02d}{abs(m) % 60:02d}"
)
years = st.one_of(st.integers(0, 10_000), st.sampled_from([1, 99, 100, 1899, 1900, 1970, 9999]))


def _rfc3339(year: int, month: int, day: int, hour: int, minute: int, zone: str) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:59.999999{zone}"


def _rfc2822(year: int, day: int, hour: int, minute: int, zone: str) -> str:
    return f"Fri, {day} Dec {year} {hour:02d}:{minute:02d}:59 {zone}"


extreme_offsets = st.sampled_from(["-2359", "+2359", "-1200", "+0001", "-0001", "+0000", "-0000"])
# The first and last instants of years 1 and 9999 with the largest offsets: past the range once in UTC.
edge_times = st.one_of(
    st.builds(
        lambda hour, zone: f"Fri, 31 Dec 9999 {hour}:59:59 {zone}",
        st.sampled_from(["00", "12", "23"]),
        extreme_offsets,
    ),
    st.builds(
        lambda year, zone: f"Mon, 1 Jan {year} 00:00:00 {zone}",
        st.sampled_from(["0001", "1899", "1900", "01"]),
        extreme_offsets,
    ),
    st.builds(lambda zone: f"9999-12-31T23:59:59.999999{zone[:3]}:{zone[3:]}", extreme_offsets),
    st.builds(lambda zone: f"0001-01-01T00:00:00{zone[:3]}:{zone[3:]}", extreme_offsets),
)
near_times = st.one_of(
    edge_times,
    st.builds(
        _rfc3339,
        years,
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 24),
        st.integers(0, 60),
        st.one_of(
            st.just("Z"),
            offsets.map(lambda o: f"{o[:3]}:{o[3:]}"),
            offsets.map(lambda o: f" {o[1:3]}:{o[3:]}"),
        ),
    ),
    st.builds(
        _rfc2822,
        years,
        st.integers(0, 32),
        st.integers(0, 24),
        st.integers(0, 60),
        st.one_of(offsets, st.sampled_from(["GMT", "UT", "EST", "PDT", "-0000", "+9999", "-2359"])),
    ),
    st.integers(0, 10**12).map(str),
    st.builds(lambda whole, fraction: f"{whole}.{fraction}", st.integers(0, 10**11), st.integers(0, 10**10)),
)
any_text = st.one_of(st.text(), near_times, st.text(alphabet="0123456789-+:.TZ ,DecFri", max_size=40))


def _cursor(document: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()


def assert_names(refused: ApiError, parameter: str, status: int = 400) -> None:
    assert refused.status == status
    if status == 400:
        assert f"parameter {parameter!r}" in refused.message


@FUZZ
@given(any_text)
@example("Fri, 31 Dec 9999 23:59:59 -2359")
@example("9999-12-31T23:59:59-23:59")
@example("0001-01-01T00:00:00+23:59")
@example("Mon, 1 Jan 0001 00:00:00 +2359")
@example("99999999999.999999")
def test_a_time_is_parsed_within_the_stores_range_or_refused(raw: str) -> None:
    try:
        parsed = parse_time(raw)
    except TimeParseError:
        return
    assert parsed.tzinfo == UTC
    assert EARLIEST <= parsed <= LATEST
    # Everything done with a parsed time afterwards must stay defined: the UTC text form and re-parsing it.
    assert parse_time(format_time(parsed)) == parsed


@FUZZ
@given(any_text, any_text)
def test_a_time_range_is_two_times_in_order_or_a_400_naming_one(since: str, until: str) -> None:
    try:
        start, end = time_range({"since": since, "until": until})
    except ApiError as refused:
        assert refused.status == 400
        assert "'since'" in refused.message or "'until'" in refused.message
        return
    assert start is not None and end is not None and start <= end


@FUZZ
@given(st.sampled_from(list(STEPS)), st.one_of(st.none(), near_times), st.one_of(st.none(), near_times))
@example("hour", "9999-12-31T23:00:00Z", "9999-12-31T23:59:59.999999Z")
@example("day", None, "0001-01-01T00:00:00Z")
def test_every_stats_range_lists_its_buckets_or_is_a_400(
    interval: str, since: str | None, until: str | None
) -> None:
    args = {name: value for name, value in (("since", since), ("until", until)) if value is not None}
    try:
        start, end = time_range(args)
        span = stats_range(interval, start, end, now=NOW)
    except ApiError as refused:
        assert refused.status == 400
        return
    starts = span.bucket_starts()
    assert all(EARLIEST <= bucket <= LATEST for bucket in starts)
    assert starts == sorted(starts) and (not starts or starts[-1] < span.end)


@FUZZ
@given(
    st.sampled_from(["events", "timeline", "inbound"]),
    st.one_of(st.text(max_size=250), st.lists(json_parts, max_size=4).map(_cursor)),
)
@example("events", _cursor(["events", 0, 10**30]))
@example("events", _cursor(["events", 10**30, 1]))
@example("events", _cursor(["events", -(10**30), 1]))
def test_a_time_cursor_holds_a_storable_key_or_is_a_400(listing: str, raw: str) -> None:
    try:
        at, row_id = decode_time_cursor(listing, raw)
    except ApiError as refused:
        assert_names(refused, "cursor")
        return
    assert EARLIEST <= at <= LATEST and at.tzinfo == UTC
    assert MIN_BIGINT <= row_id <= MAX_BIGINT


@FUZZ
@given(st.lists(json_parts, max_size=3).map(lambda key: _cursor(["dead-letters", *key])))
@example(_cursor(["dead-letters", 10**30]))
@example(_cursor(["dead-letters", MAX_BIGINT + 1]))
def test_an_id_cursor_holds_a_64_bit_id_or_is_a_400(raw: str) -> None:
    try:
        [after] = decode_cursor("dead-letters", raw, 1)
    except ApiError as refused:
        assert_names(refused, "cursor")
        return
    assert type(after) is int and MIN_BIGINT <= after <= MAX_BIGINT


@FUZZ
@given(st.datetimes(timezones=st.just(UTC)), st.integers(MIN_BIGINT, MAX_BIGINT))
def test_every_cursor_the_api_issues_is_read_back(occurred_at: datetime, row_id: int) -> None:
    assert decode_time_cursor("events", encode_time_cursor("events", occurred_at, row_id)) == (
        occurred_at,
        row_id,
    )
    assert decode_cursor("sync-actions", encode_cursor("sync-actions", [row_id]), 1) == [row_id]


@FUZZ
@given(st.one_of(st.text(), huge_ints.map(str), st.integers(0, 6000).map(lambda n: "9" * n)))
@example("1" * 5000)
@example("0" * 30 + "5")
def test_a_limit_is_1_to_500_or_a_400(raw: str) -> None:
    try:
        limit = parse_limit(raw)
    except ApiError as refused:
        assert_names(refused, "limit")
        return
    assert 1 <= limit <= MAX_LIMIT


@FUZZ
@given(
    st.one_of(st.text(), huge_ints.map(str), st.integers(0, 6000).map(lambda n: "9" * n)),
    st.sampled_from([MAX_BIGINT, MAX_INTEGER]),
)
@example(str(10**30), MAX_BIGINT)
@example("9" * 5000, MAX_BIGINT)
@example(str(2**40), MAX_INTEGER)
def test_a_path_id_fits_its_column_or_is_a_404(raw: str, maximum: int) -> None:
    try:
        row_id = path_id(raw, "event", maximum)
    except ApiError as refused:
        assert_names(refused, "id", status=404)
        return
    assert 0 <= row_id <= maximum


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["domain", "tag", "recipient", "x\x00"]), st.text()), max_size=4))
def test_text_parameters_never_carry_a_nul_to_a_store(pairs: list[tuple[str, str]]) -> None:
    try:
        args = read_args(pairs, ("domain", "tag", "recipient"))
    except ApiError as refused:
        assert refused.status == 400
        return
    assert not any("\x00" in value for value in args.values())


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("Fri, 31 Dec 9999 23:59:59 -2359", "out of range"),
        ("9999-12-31T23:59:59-23:59", "out of range"),
        ("Mon, 1 Jan 0001 00:00:00 +0000", "before 1900"),
    ],
)
def test_times_past_the_range_once_in_utc_are_refused_with_a_reason(raw: str, problem: str) -> None:
    with pytest.raises(TimeParseError, match=problem):
        parse_time(raw)


def test_the_last_hour_of_year_9999_is_one_bucket() -> None:
    span = stats_range("hour", LATEST - timedelta(minutes=30), LATEST, now=NOW)
    assert span.bucket_starts() == [datetime(9999, 12, 31, 23, tzinfo=UTC)]


def test_the_default_span_stops_at_the_earliest_time() -> None:
    span = stats_range("day", None, EARLIEST + timedelta(days=2), now=NOW)
    assert span.start == EARLIEST and len(span.bucket_starts()) == 2
