"""Celery tasks around stored messages: fetch one (retried with backoff), and sweep for lost fetches.

The drain sends a fetch per store() notification once its batch has committed. A lost send (broker down, a
worker killed mid-task) is not lost work: the message stays pending in the database, and the sweep sends its
fetch again once its next attempt is overdue.

Message row ids are per database: each fetch names the database its row is in (app/core/stores.py), the
primary one when it does not (tasks queued before there was a choice, and every fetch of a single-database
setup).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

from celery import Celery, shared_task
from sqlalchemy import Engine, Table, select, update

from app.core.broker import broker_url, celery_config
from app.core.db import engine_for_url, store_engines
from app.core.models.inbound import InboundMessageRow
from app.core.settings import Settings
from app.core.stores import PRIMARY, store_named
from app.core.task_names import FETCH_STORED_MESSAGE, QUEUE_DEFAULT, SWEEP_STORED_FETCHES
from workers.inbound.storage_client import new_client
from workers.inbound.stored_fetch import fetch_pending
from workers.ops.per_store import on_its_own
from workers.settings import task_settings

log = logging.getLogger(__name__)

messages = cast(Table, InboundMessageRow.__table__)
# A pending fetch this much past its due time has lost its task.
OVERDUE_AFTER = timedelta(minutes=10)
SWEEP_BATCH = 500

_publishers: dict[tuple[str, str, str], Celery] = {}
_publishers_lock = threading.Lock()


@shared_task(name=FETCH_STORED_MESSAGE, bind=True, acks_late=True, ignore_result=True, max_retries=None)
def fetch_stored_message(self, message_row_id: int, store: str = PRIMARY) -> str:
    settings = task_settings(self.app)
    try:
        engine = engine_for_url(store_named(settings, store).url)
    except KeyError:  # DATABASE_URL_EU was unset since: the row is out of reach
        log.warning("fetch of message %d skipped: no database named %r is configured", message_row_id, store)
        return "skipped"
    with new_client() as client:
        step = fetch_pending(engine, settings, message_row_id, client)
    if step.retry_in is not None:
        raise self.retry(countdown=step.retry_in)
    return step.status


@shared_task(name=SWEEP_STORED_FETCHES, bind=True, ignore_result=True)
def sweep_stored_fetches(self) -> int:
    """Beat: send the fetch again for pending messages whose task was lost, in every database."""
    settings = task_settings(self.app)
    sent = 0
    for store, engine in store_engines(settings):
        with on_its_own(settings, store.name, "fetch sweep"):
            ids = claim_overdue(engine, datetime.now(UTC))
            for message_row_id in ids:
                self.app.send_task(FETCH_STORED_MESSAGE, args=fetch_args(message_row_id, store.name),
                                   queue=QUEUE_DEFAULT)  # fmt: skip
            sent += len(ids)
    return sent


def claim_overdue(engine: Engine, now: datetime) -> list[int]:
    """Ids of pending fetches overdue by OVERDUE_AFTER, each marked due now so the next sweep skips it."""
    overdue = (messages.c.fetch_status == "pending", messages.c.fetch_next_at < now - OVERDUE_AFTER)
    with engine.begin() as connection:
        ids = list(connection.scalars(select(messages.c.id).where(*overdue).limit(SWEEP_BATCH)))
        if ids:
            connection.execute(update(messages).where(messages.c.id.in_(ids)).values(fetch_next_at=now))
    return ids


def enqueue_fetches(settings: Settings, message_row_ids: Sequence[int], store: str = PRIMARY) -> None:
    """Send one fetch per message of the database `store`; never raises, the sweep resends whatever could
    not be sent."""
    if not message_row_ids:
        return
    try:
        publisher = _publisher(settings)
        for message_row_id in message_row_ids:
            publisher.send_task(FETCH_STORED_MESSAGE, args=fetch_args(message_row_id, store),
                                queue=QUEUE_DEFAULT)  # fmt: skip
    except Exception as exc:  # Any broker failure: the rows are pending in the database either way.
        log.warning(
            "could not send %d stored-message fetches (%s); the sweep will",
            len(message_row_ids),
            type(exc).__name__,
        )


def fetch_args(message_row_id: int, store: str) -> list[object]:
    """The primary database goes unnamed: the task's arguments stay those a worker of any version takes."""
    return [message_row_id] if store == PRIMARY else [message_row_id, store]


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
