"""Celery tasks around stored messages: fetch one (retried with backoff), and sweep for lost fetches.

The drain sends a fetch per store() notification once its batch has committed. A lost send (broker down, a
worker killed mid-task) is not lost work: the message stays pending in the database, and the sweep sends its
fetch again once its next attempt is overdue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

from celery import Celery, shared_task
from sqlalchemy import Engine, Table, select, update

from app.broker import broker_url, celery_config
from app.db import get_engine
from app.models import InboundMessageRow
from app.settings import Settings
from app.task_names import FETCH_STORED_MESSAGE, QUEUE_DEFAULT, SWEEP_STORED_FETCHES
from workers.storage_client import new_client
from workers.stored_fetch import fetch_pending

log = logging.getLogger(__name__)

messages = cast(Table, InboundMessageRow.__table__)
# A pending fetch this much past its due time has lost its task.
OVERDUE_AFTER = timedelta(minutes=10)
SWEEP_BATCH = 500

_publishers: dict[tuple[str, str, str], Celery] = {}
_publishers_lock = threading.Lock()


@shared_task(name=FETCH_STORED_MESSAGE, bind=True, acks_late=True, ignore_result=True, max_retries=None)
def fetch_stored_message(self, message_row_id: int) -> str:
    settings: Settings = self.app.conf.mailhook_settings
    with new_client() as client:
        step = fetch_pending(get_engine(settings), settings, message_row_id, client)
    if step.retry_in is not None:
        raise self.retry(countdown=step.retry_in)
    return step.status


@shared_task(name=SWEEP_STORED_FETCHES, bind=True, ignore_result=True)
def sweep_stored_fetches(self) -> int:
    """Beat: send the fetch again for pending messages whose task was lost."""
    ids = claim_overdue(get_engine(self.app.conf.mailhook_settings), datetime.now(UTC))
    for message_row_id in ids:
        self.app.send_task(FETCH_STORED_MESSAGE, args=[message_row_id], queue=QUEUE_DEFAULT)
    return len(ids)


def claim_overdue(engine: Engine, now: datetime) -> list[int]:
    """Ids of pending fetches overdue by OVERDUE_AFTER, each marked due now so the next sweep skips it."""
    overdue = (messages.c.fetch_status == "pending", messages.c.fetch_next_at < now - OVERDUE_AFTER)
    with engine.begin() as connection:
        ids = list(connection.scalars(select(messages.c.id).where(*overdue).limit(SWEEP_BATCH)))
        if ids:
            connection.execute(update(messages).where(messages.c.id.in_(ids)).values(fetch_next_at=now))
    return ids


def enqueue_fetches(settings: Settings, message_row_ids: Sequence[int]) -> None:
    """Send one fetch per message; never raises, the sweep resends whatever could not be sent."""
    if not message_row_ids:
        return
    try:
        publisher = _publisher(settings)
        for message_row_id in message_row_ids:
            publisher.send_task(FETCH_STORED_MESSAGE, args=[message_row_id], queue=QUEUE_DEFAULT)
    except Exception as exc:  # Any broker failure: the rows are pending in the database either way.
        log.warning(
            "could not send %d stored-message fetches (%s); the sweep will",
            len(message_row_ids),
            type(exc).__name__,
        )


def _publisher(settings: Settings) -> Celery:
    # The drain runs without a handle on its Celery app (and in tests without one at all): a publisher of
    # its own, configured like the web's, sends by name to the same broker.
    key = (broker_url(settings), settings.queue_prefix, settings.broker_dir)
    with _publishers_lock:
        if key not in _publishers:
            publisher = Celery("mailhook-fetch-publisher", set_as_current=False)
            publisher.conf.update(celery_config(settings))
            _publishers[key] = publisher
        return _publishers[key]
