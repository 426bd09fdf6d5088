"""Beat: the current and the next period's partitions of `events` created ahead, in every database.

So that an event of today or tomorrow (or this month and the next) always finds its own partition and the
default one stays empty. `mailhook db upgrade` does the same right after migrating (app/cli/db.py).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from app.core.db import engine_for_url
from app.core.partitions import ensure_ahead
from app.core.stores import Store, stores
from app.core.task_names import CREATE_PARTITIONS
from workers.ops.leases import run_alone
from workers.settings import task_settings

log = logging.getLogger(__name__)


@shared_task(name=CREATE_PARTITIONS, bind=True, ignore_result=True)
def create_partitions(self: Any) -> int:
    """The partitions created, over every database; each database's failure logged, the first raised."""
    settings = task_settings(self.app)
    created, failures = 0, list[Exception]()
    for store in stores(settings):
        try:
            names = _create_ahead(store, settings.event_partitions)
        except Exception as exc:  # the next database all the same; the task fails at the end
            log.warning(
                "partitions: creating ahead in the %s database failed: %s", store.name, type(exc).__name__
            )
            failures.append(exc)
            continue
        for name in names:
            log.info("partitions: %s created (%s database)", name, store.name)
        created += len(names)
    if failures:
        raise failures[0]
    return created


def _create_ahead(store: Store, period: str) -> list[str]:
    # Under a lease: two beats creating the same partition at once would have one fail on its name.
    engine = engine_for_url(store.url)
    return run_alone(engine, CREATE_PARTITIONS, lambda: ensure_ahead(engine, period)) or []
