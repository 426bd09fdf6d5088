"""Celery tasks of the push subscriptions: beat's hand-out, and one task per subscription that pushes.

`push_subscriptions` runs every MAILHOOK_PUSH_INTERVAL_SECONDS: in every database (each on its own, so one
that is down stops no other) it leases the subscriptions that are due and sends one `push_subscription` task
for each, with the lease's holder. So a slow or dead subscriber holds one task for at most its timeout, and
only when its retry is due; the others are pushed by their own tasks meanwhile. A task whose lease was lost
(it expired while the task waited in the queue, and a later hand-out took it) does nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from celery import shared_task

from app.core.db import engine_for_url
from app.core.stores import store_named, stores
from app.core.task_names import PUSH_SUBSCRIPTION, PUSH_SUBSCRIPTIONS, QUEUE_DEFAULT
from workers.ops.per_store import on_its_own
from workers.push.delivery import http_client
from workers.push.pusher import push_subscription
from workers.push.store import lease_due
from workers.settings import task_settings

log = logging.getLogger(__name__)


@shared_task(name=PUSH_SUBSCRIPTIONS, bind=True, acks_late=True, ignore_result=True)
def push_subscriptions(self) -> int:
    settings = task_settings(self.app)
    sent = 0
    for database in stores(settings):
        with on_its_own(settings, database.name, PUSH_SUBSCRIPTIONS):
            for subscription_id, holder in lease_due(engine_for_url(database.url), _now()):
                self.app.send_task(
                    PUSH_SUBSCRIPTION, args=[database.name, subscription_id, holder], queue=QUEUE_DEFAULT
                )
                sent += 1
    return sent


@shared_task(name=PUSH_SUBSCRIPTION, bind=True, acks_late=True, ignore_result=True)
def push_one_subscription(self, store: str, subscription_id: int, holder: str) -> int:
    settings = task_settings(self.app)
    engine = engine_for_url(store_named(settings, store).url)
    with http_client(settings.push.timeout) as client:
        run = push_subscription(engine, store, settings.push, subscription_id, holder, client)
    if run.more:  # still holding the lease: go on in a new task, behind whatever else is queued
        self.app.send_task(PUSH_SUBSCRIPTION, args=[store, subscription_id, holder], queue=QUEUE_DEFAULT)
    return run.items


def _now() -> datetime:
    return datetime.now(UTC)
