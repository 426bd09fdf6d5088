"""Celery tasks of the sync back to Mailgun, one run per region: push the outbox, refresh the list mirror.

Thin shells: they build the region's client from the settings and hand over to workers.sync.push and
workers.sync.list_mirror, on the database that keeps the region's data (app/core/stores.py): its outbox,
pause, list mirror and lease. A region with no configured domain, or no API key, has nothing to sync: the task
ends. Beat sends each region's first refresh as it starts.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from app.core.db import region_engine
from app.core.regions import REGIONS
from app.core.settings import Settings
from app.core.task_names import PUSH_SYNC, QUEUE_DEFAULT, REFRESH_LISTS
from workers.mailgun.client import MailgunClient, MailgunError
from workers.ops.leases import run_alone
from workers.settings import settings_of, task_settings
from workers.sync.list_mirror import Refreshed, refresh_region_lists
from workers.sync.policy import Rules
from workers.sync.push import push_region

log = logging.getLogger(__name__)


def syncs(settings: Settings, region: str) -> bool:
    return region in REGIONS and bool(settings.api_key) and bool(settings.domains_in(region))


@shared_task(name=PUSH_SYNC, bind=True, acks_late=True, ignore_result=True)
def push_sync(self, region: str) -> int:
    settings = task_settings(self.app)
    if not syncs(settings, region):
        return 0
    with MailgunClient.for_region(settings, region) as client:
        result = push_region(region_engine(settings, region), settings, region, client)
    if result.failed or result.retried:
        log.warning(
            "push_sync %s: %d done, %d failed, %d to retry",
            region,
            result.done,
            result.failed,
            result.retried,
        )
    if result.more and not result.paused:
        self.app.send_task(PUSH_SYNC, args=[region], queue=QUEUE_DEFAULT)
    return result.done


@shared_task(name=REFRESH_LISTS, bind=True, acks_late=True, ignore_result=True)
def refresh_lists(self, region: str) -> int:
    settings = task_settings(self.app)
    if not syncs(settings, region):
        return 0
    try:
        refreshed = refresh_alone(settings, region)
    except MailgunError as exc:  # the next scheduled refresh tries again; the old mirror stays meanwhile
        log.warning("refresh_lists %s: %s", region, exc)
        return 0
    if refreshed is not None and refreshed.queued:  # owed unsubscribes go out now, not at the next beat
        self.app.send_task(PUSH_SYNC, args=[region], queue=QUEUE_DEFAULT)
    return refreshed.lists if refreshed is not None else 0


def refresh_alone(settings: Settings, region: str) -> Refreshed | None:
    """Refresh the region's mirror and converge, in the region's database; None while another run does.

    Under a lease per region: two refreshes at once would page every list twice and race on the mirror.
    """
    engine = region_engine(settings, region)
    rules = Rules.from_settings(settings.sync)
    with MailgunClient.for_region(settings, region) as client:
        return run_alone(
            engine, f"{REFRESH_LISTS}:{region}", lambda: refresh_region_lists(engine, region, client, rules)
        )


def refresh_lists_at_start(sender: Any = None, **_: Any) -> None:
    """On beat_init (connected by workers.signals): beat's first run refreshes every syncing region's mirror
    at once; a mirror left empty until the first scheduled refresh (15 minutes by default) would let the drain
    plan no list change meanwhile."""
    app = getattr(sender, "app", None)
    settings = settings_of(app) if app is not None else None
    if app is None or settings is None:  # the beat of an app that is not ours
        return
    for region in REGIONS:
        if syncs(settings, region):
            app.send_task(REFRESH_LISTS, args=[region], queue=QUEUE_DEFAULT)
