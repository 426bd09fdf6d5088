"""The feed's parameters and positions. Pure: no Flask, no database.

A position is (feed_xact, id) (app/core/models/feed.py), served as an opaque cursor in the pagination
module's format. The listing name carries the database the position belongs to: with the EU region in a
database of its own, each database keeps its own feed, and a position of one means nothing in the other.
"""

from __future__ import annotations

import base64
from typing import NamedTuple

from app.api.bounds import MAX_BIGINT
from app.api.pagination import decode_cursor
from app.api.problems import bad_parameter

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_WAIT_SECONDS = 30
AFTER = "after"


class Position(NamedTuple):
    xact: int
    id: int


# Before every event: stored positions have xact >= 0 and id >= 1.
START = Position(0, 0)


def listing(store: str) -> str:
    return f"feed:{store}"


def encode_position(store: str, position: Position) -> str:
    """encode_cursor's text, written out: every item of a page carries one, and json.dumps per item cost
    about a seventh of a 1000-item page. Store names are plain ASCII words, nothing to escape."""
    text = f'["{listing(store)}",{int(position.xact)},{int(position.id)}]'
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def decode_position(store: str, raw: str) -> Position:
    xact, row_id = decode_cursor(listing(store), raw, 2, AFTER)
    return Position(xact, row_id)


def seen_through(xact: int) -> Position:
    """The position just past every event of transactions up to `xact`: what a reader has been through once
    it has read, up to a watermark above `xact`, every row there was to read."""
    return Position(xact, MAX_BIGINT)


def parse_wait(raw: str | None) -> int:
    """Seconds to long-poll, 0 (the default) to 30."""
    if raw is None:
        return 0
    if not raw.isascii() or not raw.isdigit() or len(raw.lstrip("0")) > 2 or int(raw) > MAX_WAIT_SECONDS:
        raise bad_parameter("wait", f"must be a whole number of seconds from 0 to {MAX_WAIT_SECONDS}")
    return int(raw)
