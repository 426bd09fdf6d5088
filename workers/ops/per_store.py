"""Work that runs over every database, each on its own (app/core/stores.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError

from app.core.settings import Settings
from app.core.stores import split

log = logging.getLogger(__name__)


@contextmanager
def on_its_own(settings: Settings, store: str, work: str) -> Iterator[None]:
    """With a database per region, one that is down must not stop the others: its failure is logged and its
    work waits for the next run. With one database, the failure is the task's."""
    try:
        yield
    except SQLAlchemyError as exc:
        if not split(settings):
            raise
        log.warning("%s skipped the %s database, unavailable: %s", work, store, type(exc).__name__)
