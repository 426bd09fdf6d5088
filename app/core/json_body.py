"""Decoding a JSON body the same way on the request path and in the drain.

orjson where it can (several times faster); the standard library for what orjson refuses but the standard
library reads (lone surrogate escapes, NaN), so a body is never accepted or refused differently than the
standard library alone would. Two things orjson does not do are added here, each behind a check that costs a
byte scan and nothing more for an ordinary payload:

- Integers beyond 64 bits: orjson reads them as floats (123456789012345678901234567 becomes
  1.2345678901234568e+26). A body holding a run of 19 or more digits is read by the standard library, which
  keeps every digit; shorter numbers always fit orjson's 64 bits.
- Nesting: a document nested deeper than `max_depth` (objects and arrays, the body itself is level 1) is
  refused with TooDeep. MAX_DEPTH is the deepest document every later step keeps on both stores (the
  encoding in app/core/json_text.py, the drain's copies, the database drivers' and Flask's own JSON, all
  within Python's recursion limit), so the intake never accepts what the drain cannot store.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# Deepest document stored and served (see the module's docstring); the intake's limit may be set lower only.
MAX_DEPTH = 256
DEFAULT_MAX_DEPTH = MAX_DEPTH
# orjson reads every integer of up to 18 digits exactly, and some of 19 or 20 (up to 2**64 - 1).
_LONG_DIGIT_RUN = b"0" * 19
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
# orjson.dumps refuses a document nested deeper than this, so one it writes is no deeper (tests/unit/core).
_ORJSON_WRITE_DEPTH = 254


class TooDeep(ValueError):
    """The document nests deeper than the limit: refused before anything is kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"body is nested more than {limit} levels deep")


def loads(body: bytes | bytearray | str, *, max_depth: int = MAX_DEPTH, exact: bool = True) -> object:
    """The decoded body. `exact=False` lets integers beyond 64 bits come back as floats: for a reader that
    needs only the body's strings (the intake reads the signature and keeps the bytes as they came)."""
    return loads_checked(body, max_depth=max_depth, exact=exact)[0]


def loads_checked(
    body: bytes | bytearray | str, *, max_depth: int = MAX_DEPTH, exact: bool = True
) -> tuple[object, bool]:
    """The decoded body, and whether it is storable in JSONB as decoded.

    It is when orjson decoded it (orjson refuses lone surrogates, NaN and raw control characters, which
    the standard library lets through) and no escaped NUL is in it (valid JSON, refused by Postgres)."""
    raw = body.encode() if isinstance(body, str) else body
    if exact and _LONG_DIGIT_RUN in raw.translate(_DIGITS_AS_ZERO):
        # Not known to be free of what orjson would have refused: the caller copies it clean.
        document, storable = _stdlib(raw, max_depth), False
    else:
        try:
            document, storable = orjson.loads(raw), b"\\u0000" not in raw
        except orjson.JSONDecodeError:
            document, storable = _stdlib(raw, max_depth), False
    # Each level opens with a bracket: a body with no more brackets than the limit cannot nest past it.
    if raw.count(b"{") + raw.count(b"[") > max_depth and _deeper_than(document, max_depth):
        raise TooDeep(max_depth)
    return document, storable


def _stdlib(raw: bytes | bytearray, max_depth: int) -> object:
    try:
        return json.loads(raw)
    except RecursionError:
        raise TooDeep(max_depth) from None


def _deeper_than(document: object, limit: int) -> bool:
    """Whether containers nest more than `limit` levels; loops, not recursion, whatever the depth."""
    if limit >= _ORJSON_WRITE_DEPTH:
        try:
            orjson.dumps(document)  # in C, several times faster than the walk below
            return False
        except orjson.JSONEncodeError:
            pass  # too deep for orjson, or a value it does not write (a lone surrogate): walk
    level: list[Any] = [document] if isinstance(document, dict | list) else []
    for _depth in range(limit):
        below: list[Any] = []
        for value in level:
            for child in value.values() if type(value) is dict else value:
                if type(child) is dict or type(child) is list:
                    below.append(child)
        if not below:
            return False
        level = below
    return True
