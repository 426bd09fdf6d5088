"""Decoding (app/core/json_body.py) and encoding (app/core/json_text.py) keep every number exactly as sent and
refuse, at the decoder, only what nests past the limit."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import json_body, json_text
from app.core.json_body import MAX_DEPTH, TooDeep

EDGES = [
    2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 10**18, 10**19, 10**26, -(10**40), 2**70,
    123456789012345678901234567,
]  # fmt: skip


@pytest.mark.parametrize("number", EDGES)
def test_integers_round_trip_exactly(number: int) -> None:
    body = f'{{"a": {number}, "b": [{number}], "t": 1534108637.153125}}'.encode()
    document = json_body.loads(body)
    assert document == {"a": number, "b": [number], "t": 1534108637.153125}
    assert type(document["a"]) is int  # type: ignore[index]
    assert json.loads(json_text.dumps(document)) == document
    assert str(number) in json_text.dumps(document)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-(10**60), max_value=10**60))
def test_any_integer_is_decoded_and_encoded_exactly(number: int) -> None:
    assert json_body.loads(f"[{number}]".encode()) == [number]
    assert json_text.dumps([number]) == f"[{number}]"


def test_a_long_digit_run_inside_a_string_changes_nothing() -> None:
    body = b'{"id": "12345678901234567890123", "n": 1.5}'
    assert json_body.loads_checked(body)[0] == {"id": "12345678901234567890123", "n": 1.5}


def test_inexact_reading_is_orjsons() -> None:
    assert json_body.loads(b"[123456789012345678901234567]", exact=False) == [1.2345678901234568e26]


def test_the_ordinary_payload_is_encoded_as_orjson_encodes_it() -> None:
    value = {"a": "é\u2028", "b": [1, 2.5, None, True], "c": {"d": -(2**63)}}
    assert json_text.dumps(value) == orjson.dumps(value).decode()


def test_a_big_integer_is_written_with_the_same_characters_orjson_would() -> None:
    assert json_text.dumps({"é": [2**64, "ü"]}) == '{"é":[18446744073709551616,"ü"]}'


def nested(depth: int, bottom: Any = 1) -> Any:
    value = bottom
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@pytest.mark.parametrize("bottom", [1, 2**70, "{[{[{["])
def test_nesting_up_to_the_limit_is_read_and_written(bottom: Any) -> None:
    value = nested(MAX_DEPTH, bottom)
    body = json.dumps(value).encode()
    assert json_body.loads(body) == value
    assert json.loads(json_text.dumps(value)) == value  # past orjson's own 254 levels


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1024, 1025, 5000])
def test_nesting_past_the_limit_is_refused(depth: int) -> None:
    opening = "".join('{"k":' if level % 2 else "[" for level in range(depth))
    body = (opening + "".join("}" if level % 2 else "]" for level in reversed(range(depth)))).encode()
    with pytest.raises(TooDeep, match=f"more than {MAX_DEPTH} levels"):
        json_body.loads(body)
    with pytest.raises(TooDeep):
        json_body.loads(("[" * depth + "]" * depth).encode(), exact=False)


def test_the_limit_can_be_set_lower() -> None:
    body = json.dumps(nested(5)).encode()
    assert json_body.loads(body, max_depth=5) == nested(5)
    with pytest.raises(TooDeep, match="more than 4 levels"):
        json_body.loads(body, max_depth=4)


def test_brackets_in_strings_do_not_count_as_nesting() -> None:
    body = json.dumps({"text": "[{" * 1000}).encode()
    assert json_body.loads(body, max_depth=1) == {"text": "[{" * 1000}


def test_wide_documents_are_not_deep() -> None:
    body = json.dumps([[{"a": [i]}] for i in range(MAX_DEPTH * 4)]).encode()
    assert len(json_body.loads(body, max_depth=4)) == MAX_DEPTH * 4  # type: ignore[arg-type]


def test_orjson_writes_exactly_as_deep_as_the_depth_check_assumes() -> None:
    # json_body takes a document orjson writes as no deeper than this: pinned against an orjson upgrade.
    assert orjson.dumps(nested(254))
    with pytest.raises(orjson.JSONEncodeError, match="Recursion"):
        orjson.dumps(nested(255))


@pytest.mark.parametrize("depth", [MAX_DEPTH, MAX_DEPTH + 1])
def test_a_document_orjson_cannot_write_is_measured_by_walking(depth: int) -> None:
    # A lone surrogate escape: read by the standard library, refused by orjson's writer at any depth.
    body = json.dumps(nested(depth - 1, ["\ud800", 2**70])).encode()
    if depth > MAX_DEPTH:
        with pytest.raises(TooDeep):
            json_body.loads(body)
    else:
        assert json_body.loads_checked(body) == (nested(depth - 1, ["\ud800", 2**70]), False)
