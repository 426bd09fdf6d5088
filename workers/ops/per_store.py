"""Work that runs over every database, each on its own (app/core/stores.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from app.core.db import store_is_away
from app.core.settings import Settings
from app.core.stores import split

log = logging.getLogger(__name__)


@contextmanager
def on_its_own(settings: Settings, store: str, work: str) -> Iterator[None]:
    """With a database per region, whatever fails in one (it is down, or anything else goes wrong there) must
    not stop the others: the failure is logged and that database's work waits for the next run. With one
    database, the failure is the task's."""
    try:
        yield
    except Exception as exc:
        if not split(settings):
            raise
        # The type only: a driver's message can quote a statement's parameters.
        why = "unavailable" if store_is_away(exc) else "failed"
        log.warning("%s skipped the %s database, %s: %s", work, store, why, type(exc).__name__)
