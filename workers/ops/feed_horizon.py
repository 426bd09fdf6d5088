"""The feed's horizon (app/core/models/feed.py), raised by whatever deletes events, in its transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, tuple_

from app.core.db import upsert
from app.core.models.feed import HORIZON_ROW, FeedHorizon


def raise_feed_horizon(connection: Connection, position: tuple[int, int]) -> None:
    """Record that events up to `position` may be gone (the horizon only ever rises).

    The row is written by every deletion, raised or not: a new version of it is how the sorting of
    partitions (workers/ops/partition_sort.py) knows that events were deleted while it copied a day."""
    horizon = FeedHorizon.__table__
    row = {"id": HORIZON_ROW, "feed_xact": position[0], "event_id": position[1]}
    current = tuple_(horizon.c.feed_xact, horizon.c.event_id)

    def highest(proposed: Any) -> dict[str, Any]:
        raised = current < tuple_(proposed.feed_xact, proposed.event_id)
        return {
            "feed_xact": case((raised, proposed.feed_xact), else_=horizon.c.feed_xact),
            "event_id": case((raised, proposed.event_id), else_=horizon.c.event_id),
        }

    connection.execute(upsert(horizon, connection, ["id"], row, updates=highest))
