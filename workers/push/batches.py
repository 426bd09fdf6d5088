"""A subscription's next batch, read from the feed and serialized, ready to sign and send.

The pusher reads a batch while the one before it is out (workers/push/pusher.py): reading is the feed's own
query (app/core/feed_read.py), so a batch read early holds what GET /api/v1/feed would have served at that
moment, gap-free. Nothing here writes: a read ahead that is not sent (its predecessor failed, the run's
budget ran out) is dropped, and the next try reads again from the stored cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import ColumnElement, Engine

from app.core.feed_positions import Position
from app.core.feed_read import feed_items, read_page

BATCH_SIZE = 100


@dataclass(frozen=True, slots=True)
class Batch:
    rows: int
    next: Position  # where the batch ends: the cursor once it got a 2xx, and the next batch's start
    body: bytes

    @property
    def full(self) -> bool:
        """A full batch ends at its last row, and no row can appear before that later on; one that is not
        full ends at the read's bound, and a later read would find more: its end must be kept."""
        return self.rows == BATCH_SIZE


@dataclass(frozen=True, slots=True)
class Reader:
    engine: Engine
    store: str
    conditions: Sequence[ColumnElement[bool]]

    def read(self, after: Position, through: Position | None = None) -> Batch:
        """The batch after `after` (up to `through`: a retry's batch, exactly as it was first sent).
        Raises CursorExpired when retention has passed `after`."""
        page = read_page(self.engine, self.conditions, after, BATCH_SIZE, through)
        body = orjson.dumps({"items": feed_items(self.store, page.rows)}) if page.rows else b""
        return Batch(len(page.rows), page.next, body)
