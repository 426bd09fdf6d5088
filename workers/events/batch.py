"""One writing transaction of the drain: what its rows' processors gather, and how it is settled.

A processor (workers/events/processors.py) writes what it can at once (an inbound message, under its own
savepoint) and leaves the rest to the batch: event rows to record together, rows that belong in another
database, dead letters. `settle` then records the events (a row that cannot be stored is set apart as a dead
letter, workers/events/apart.py), forwards, and marks the dead, all in the unit of work's transaction; what
must wait for the commit (fetch tasks, counters) is registered on the unit of work.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from app.core.db import engine_for_url
from app.core.metrics import DEAD_LETTERS
from app.core.regions import REGIONS
from app.core.settings import Settings
from app.core.stores import store_for_region
from app.core.unit_of_work import UnitOfWork
from workers.events.apart import write_apart
from workers.events.claims import mark_dead
from workers.events.forward import forward_rows
from workers.events.record import record_events


@dataclass
class Batch:
    work: UnitOfWork
    settings: Settings
    store: str  # the database the batch's rows are in (the primary one unless the EU has its own)
    kinds: dict[int, str]  # row id -> inbox kind, for the dead-letter counter's label
    events: list[dict[str, Any]] = field(default_factory=list)  # each with the `inbox_id` it came from
    forwards: dict[int, Engine] = field(default_factory=dict)
    dead: dict[int, str] = field(default_factory=dict)  # row id -> the dead letter's reason
    fetches: list[int] = field(default_factory=list)  # stored messages to fetch once committed
    stored: int = 0

    def __post_init__(self) -> None:
        self.elsewhere = regions_kept_elsewhere(self.settings, self.store)

    def settle(self) -> None:
        def refused(event: dict[str, Any], reason: str) -> None:
            self.dead[event["inbox_id"]] = f"the event could not be stored: {reason}"

        connection = self.work.connection
        stored = write_apart(
            connection,
            self.events,
            lambda part: [record_events(self.work, part, self.settings)],  # each part with its actions
            refused,
        )
        self.stored = sum(stored)
        forward_rows(connection, self.forwards)
        mark_dead(connection, self.dead)
        dead_by_kind = Counter(self.kinds[row_id] for row_id in self.dead)
        self.work.after_commit(lambda: count_dead(dead_by_kind))


def count_dead(by_kind: Counter[str]) -> None:
    for kind, n in by_kind.items():
        DEAD_LETTERS.labels(kind).inc(n)


def regions_kept_elsewhere(settings: Settings, store: str) -> dict[str, Engine]:
    """Region -> the engine of its database, for the regions the database `store` does not keep (none
    unless DATABASE_URL_EU is set). Worked out once a batch: a processor only looks a region up."""
    homes = {region: store_for_region(settings, region) for region in REGIONS}
    return {region: engine_for_url(home.url) for region, home in homes.items() if home.name != store}
