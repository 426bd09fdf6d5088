"""The feed's positions, shared by GET /api/v1/feed and the push subscriptions that follow it. Pure.

A position is (feed_xact, id) (app/core/models/feed.py), served as an opaque cursor in the API's pagination
format. The listing name carries the database the position belongs to: with the EU region in a database of
its own, each database keeps its own feed, and a position of one means nothing in the other.
"""

from __future__ import annotations

import base64
from typing import NamedTuple

MAX_BIGINT = 2**63 - 1


class Position(NamedTuple):
    xact: int
    id: int


# Before every event: stored positions have xact >= 0 and id >= 1.
START = Position(0, 0)


def listing(store: str) -> str:
    return f"feed:{store}"


def encode_position(store: str, position: Position) -> str:
    """The pagination module's cursor text, written out: every item of a page carries one, and json.dumps
    per item cost about a seventh of a 1000-item page. Store names are plain ASCII words: nothing to escape.
    """
    text = f'["{listing(store)}",{int(position.xact)},{int(position.id)}]'
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def seen_through(xact: int) -> Position:
    """The position just past every event of transactions up to `xact`: what a reader has been through once
    it has read, up to a watermark above `xact`, every row there was to read."""
    return Position(xact, MAX_BIGINT)
