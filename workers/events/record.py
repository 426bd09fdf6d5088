"""Recording normalized events: store them, then plan what the new ones cause; the one path for the drain and
the poller.

Both sources call `record_events` inside their unit of work (app/core/unit_of_work.py), so an event and the
sync actions it calls for are committed together or not at all, and only an event new to the table plans
actions: one the poller finds after its webhook was stored (or the other way round) is kept once and acted on
once. The stored-events counter moves only once the unit has committed, so a rolled-back batch is not
counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from app.core.metrics import EVENTS_STORED
from app.core.settings import Settings
from app.core.unit_of_work import UnitOfWork
from workers.events.store import StoredEvent, store_events
from workers.sync.effects import plan_effects


def record_events(
    work: UnitOfWork, rows: Sequence[dict[str, Any]], settings: Settings, *, likely_new: bool = True
) -> int:
    """Store event rows in `work`'s transaction and plan the new ones' effects; the number stored."""
    stored = store_events(work.connection, rows, likely_new=likely_new)
    if stored:
        plan_effects(work.connection, stored, settings)
        work.after_commit(lambda: count_stored(stored))
    return len(stored)


def count_stored(stored: Sequence[StoredEvent]) -> None:
    # One increment per label set, not per row: each is a write to the process's metrics file.
    for (kind, region, source), n in Counter((e.type, e.region, e.source) for e in stored).items():
        EVENTS_STORED.labels(kind, region, source).inc(n)
