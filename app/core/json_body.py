"""Decoding a JSON body the same way on the request path and in the drain.

orjson where it can (several times faster); the standard library for what orjson refuses but the standard
library reads (lone surrogate escapes, NaN, integers beyond 64 bits), so a body is never accepted or refused
differently than the standard library alone would.
"""

from __future__ import annotations

import json

import orjson


def loads(body: bytes | bytearray) -> object:
    return loads_checked(body)[0]


def loads_checked(body: bytes | bytearray) -> tuple[object, bool]:
    """The decoded body, and whether it is storable in JSONB as decoded.

    It is when orjson decoded it (orjson refuses lone surrogates, NaN and raw control characters, which
    the standard library lets through) and no escaped NUL is in it (valid JSON, refused by Postgres)."""
    try:
        return orjson.loads(body), b"\\u0000" not in body
    except orjson.JSONDecodeError:
        return json.loads(body), False
