"""The feed's parameters, and its positions read back from a cursor. Pure: no Flask, no database.

The positions themselves (what they are, how they are written) are app/core/feed_positions.py's, shared with
the push subscriptions.
"""

from __future__ import annotations

from app.api.pagination import decode_cursor
from app.api.problems import bad_parameter
from app.core.feed_positions import START, Position, encode_position, listing, seen_through

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_WAIT_SECONDS = 30
AFTER = "after"
# The positions are re-exported: the API's modules and tests take them, with the parameters, from here.
__all__ = [
    "AFTER",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_WAIT_SECONDS",
    "START",
    "Position",
    "decode_position",
    "encode_position",
    "parse_wait",
    "seen_through",
]


def decode_position(store: str, raw: str) -> Position:
    xact, row_id = decode_cursor(listing(store), raw, 2, AFTER)
    return Position(xact, row_id)


def parse_wait(raw: str | None) -> int:
    """Seconds to long-poll, 0 (the default) to 30."""
    if raw is None:
        return 0
    if not raw.isascii() or not raw.isdigit() or len(raw.lstrip("0")) > 2 or int(raw) > MAX_WAIT_SECONDS:
        raise bad_parameter("wait", f"must be a whole number of seconds from 0 to {MAX_WAIT_SECONDS}")
    return int(raw)
