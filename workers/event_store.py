"""Storing normalized events, for the drain and the Events API poller alike.

One path for both sources, so an event the poller finds after its webhook was stored (or the other way round)
lands on the same unique key and is kept once, and only an event new to the table plans its sync actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from app.db import insert_ignoring_conflicts
from app.models import Event
from app.settings import Settings
from workers.effects import effect_columns, plan_effects


def store_events(connection: Connection, rows: Sequence[dict[str, Any]], settings: Settings) -> int:
    """Insert event rows, skipping those already stored, and plan the new ones' effects in the caller's
    transaction (no event without its actions); the number of rows inserted."""
    if not rows:
        return 0
    table = Event.__table__
    statement = insert_ignoring_conflicts(table, connection).returning(*effect_columns(table))
    inserted = connection.execute(statement, list(rows)).all()
    plan_effects(connection, inserted, settings)
    return len(inserted)
