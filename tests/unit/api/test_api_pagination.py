"""Page sizes and opaque keyset cursors."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    decode_cursor,
    decode_time_cursor,
    encode_cursor,
    encode_time_cursor,
    page_of,
    parse_limit,
)
from app.api.problems import ApiError


def test_limit_defaults_and_bounds() -> None:
    assert parse_limit(None) == DEFAULT_LIMIT == 50
    assert parse_limit("1") == 1
    assert parse_limit(str(MAX_LIMIT)) == MAX_LIMIT == 500


@pytest.mark.parametrize("raw", ["0", "501", "-1", "10.5", "ten", "", " 5", "\uff15"])
def test_limits_out_of_range_or_not_whole_numbers_are_400(raw: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse_limit(raw)
    assert refused.value.status == 400
    assert "'limit'" in refused.value.message


@given(st.datetimes(min_value=datetime(1970, 1, 1), timezones=st.just(UTC)), st.integers(0, 2**63 - 1))
def test_time_cursor_round_trips_to_the_microsecond(occurred_at: datetime, row_id: int) -> None:
    cursor = encode_time_cursor("events", occurred_at, row_id)
    assert decode_time_cursor("events", cursor) == (occurred_at, row_id)


def test_cursor_is_url_safe_and_unpadded() -> None:
    cursor = encode_cursor("dead-letters", [2**62])
    assert "=" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor("dead-letters", cursor, 1) == [2**62]


def _raw(document: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        "abc",  # valid alphabet, not JSON
        _raw({"events": 1}),
        _raw(["events", 1]),  # too short
        _raw(["events", 1, 2, 3]),  # too long
        _raw(["timeline", 1, 2]),  # another listing's cursor
        _raw(["events", "1", 2]),
        _raw(["events", True, 2]),
        _raw(["events", 1.5, 2]),
        _raw(["events", 10**30, 2]),  # beyond any datetime
        "A" * 500,
    ],
)
def test_bad_cursors_are_400(cursor: str) -> None:
    with pytest.raises(ApiError) as refused:
        decode_time_cursor("events", cursor)
    assert refused.value.status == 400
    assert "'cursor'" in refused.value.message


def test_page_of_gives_a_cursor_only_when_more_rows_exist() -> None:
    assert page_of([1, 2], 2, str) == ([1, 2], None)
    assert page_of([1, 2, 3], 2, str) == ([1, 2], "2")
    assert page_of([], 2, str) == ([], None)
