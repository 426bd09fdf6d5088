"""Keyset pagination: page sizes and opaque cursors. Pure: no Flask, no database.

A cursor is base64url (no padding) over a small JSON array: the listing it belongs to, then the key of the
last item served. The next page starts strictly after that key, so rows inserted meanwhile never shift a
page the way OFFSET would. The listing name keeps a cursor from one listing being replayed on another whose
order differs (newest-first events vs a message's oldest-first timeline).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from app.api.bounds import is_bigint
from app.api.problems import ApiError, bad_parameter

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# Far more than any real cursor; stops a huge value being decoded at all.
_MAX_CURSOR_CHARS = 200
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Row = TypeVar("Row")


def parse_limit(raw: str | None, *, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise bad_parameter("limit", f"must be a whole number from 1 to {maximum}")
    if len(raw.lstrip("0")) > len(str(maximum)):  # never int() a run of digits of any length
        raise bad_parameter("limit", f"must be from 1 to {maximum}")
    limit = int(raw)
    if not 1 <= limit <= maximum:
        raise bad_parameter("limit", f"must be from 1 to {maximum}, got {limit}")
    return limit


def encode_cursor(listing: str, key: Sequence[int]) -> str:
    text = json.dumps([listing, *key], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def decode_cursor(listing: str, raw: str, size: int, parameter: str = "cursor") -> list[int]:
    """The key of `size` integers a cursor of this listing carries, each within the stores' 64-bit range;
    400 naming `parameter` for anything else (a forged 10**30 would otherwise reach the query and fail
    there)."""
    if len(raw) > _MAX_CURSOR_CHARS or not _BASE64URL.fullmatch(raw):
        raise _bad_cursor(parameter)
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _bad_cursor(parameter) from None
    if not isinstance(decoded, list) or len(decoded) != size + 1 or decoded[0] != listing:
        raise _bad_cursor(parameter)
    key = decoded[1:]
    # bool is an int to Python; a cursor we wrote never holds one.
    if not all(type(part) is int and is_bigint(part) for part in key):
        raise _bad_cursor(parameter)
    return key


def encode_time_cursor(listing: str, occurred_at: datetime, row_id: int) -> str:
    return encode_cursor(listing, [_micros(occurred_at), row_id])


def decode_time_cursor(listing: str, raw: str) -> tuple[datetime, int]:
    micros, row_id = decode_cursor(listing, raw, 2)
    try:
        return _EPOCH + timedelta(microseconds=micros), row_id
    except OverflowError:
        raise _bad_cursor() from None


def page_of(
    rows: Sequence[Row], limit: int, cursor_for: Callable[[Row], str]
) -> tuple[list[Row], str | None]:
    """Cut rows fetched with `limit + 1` to a page; a cursor only when the extra row proves there is more."""
    if len(rows) <= limit:
        return list(rows), None
    kept = list(rows[:limit])
    return kept, cursor_for(kept[-1])


def _micros(value: datetime) -> int:
    # Integer arithmetic end to end: a float timestamp would round the microseconds the key depends on.
    delta = value.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _bad_cursor(parameter: str = "cursor") -> ApiError:
    return bad_parameter(parameter, "is not a cursor this listing issued")
