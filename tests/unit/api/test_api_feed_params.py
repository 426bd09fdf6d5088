"""The feed's positions and parameters: opaque, per database, refused with a 400 naming the parameter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.api.bounds import MAX_BIGINT
from app.api.feed_params import (
    MAX_LIMIT,
    START,
    Position,
    decode_position,
    encode_position,
    parse_wait,
    seen_through,
)
from app.api.pagination import encode_cursor, parse_limit
from app.api.problems import ApiError

bigints = st.integers(min_value=0, max_value=MAX_BIGINT)


@given(bigints, bigints, st.sampled_from(["primary", "eu"]))
def test_a_position_round_trips_and_is_a_pagination_cursor(xact: int, row_id: int, store: str) -> None:
    raw = encode_position(store, Position(xact, row_id))
    assert decode_position(store, raw) == (xact, row_id)
    assert raw == encode_cursor(f"feed:{store}", [xact, row_id])


def test_positions_order_by_transaction_then_id() -> None:
    assert START < Position(0, 1) < Position(0, 2) < Position(1, 1) < seen_through(1) < Position(2, 0)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "!!",
        encode_cursor("events", [0, 1]),
        encode_cursor("feed:eu", [0, 1]),  # the other database's feed
        encode_cursor("feed:primary", [0]),
        encode_cursor("feed:primary", [0, MAX_BIGINT + 1]),
    ],
)
def test_anything_but_this_databases_position_is_refused_naming_after(raw: str) -> None:
    with pytest.raises(ApiError) as refused:
        decode_position("primary", raw)
    assert (refused.value.status, refused.value.message) == (
        400,
        "parameter 'after' is not a cursor this listing issued",
    )


def test_wait_is_whole_seconds_up_to_30() -> None:
    assert [parse_wait(None), parse_wait("0"), parse_wait("030"), parse_wait("30")] == [0, 0, 30, 30]
    for bad in ("31", "-1", "1.5", "٣", "9" * 5000, "1e1"):
        with pytest.raises(ApiError, match="parameter 'wait'"):
            parse_wait(bad)


def test_the_feed_pages_up_to_1000() -> None:
    assert parse_limit("1000", maximum=MAX_LIMIT) == 1000
    with pytest.raises(ApiError, match="from 1 to 1000"):
        parse_limit("1001", maximum=MAX_LIMIT)
