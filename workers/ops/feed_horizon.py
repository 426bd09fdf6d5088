"""The feed's horizon (app/core/models/feed.py), raised by whatever deletes events, in its transaction."""

from __future__ import annotations

from sqlalchemy import Connection, tuple_

from app.core.db import upsert
from app.core.models.feed import HORIZON_ROW, FeedHorizon


def raise_feed_horizon(connection: Connection, position: tuple[int, int]) -> None:
    """Record that events up to `position` may be gone (the horizon only ever rises)."""
    horizon = FeedHorizon.__table__
    row = {"id": HORIZON_ROW, "feed_xact": position[0], "event_id": position[1]}
    current, proposed = tuple_(horizon.c.feed_xact, horizon.c.event_id), tuple_(*position)
    connection.execute(upsert(horizon, connection, ["id"], row, where=current < proposed))
