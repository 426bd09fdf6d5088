"""Push one subscription's events: batches of up to 100 feed items, in feed order, the next only after the
previous one got a 2xx.

The batches are read by the feed's own query (app/core/feed_read.py), so a subscriber receives exactly what
GET /api/v1/feed would serve it, gap-free under concurrent writers. A batch's end is stored before it is first
sent, and its webhook-id is derived from the subscription and the position it starts after: every retry
sends the same items under the same id, and a subscriber that deduplicates by webhook-id processes each once.

A failure ends the run: the subscription is due again after the backoff (workers/push/backoff.py), and beat
hands it out then. A run pushes for a bounded time, so one busy subscription never holds a worker for long;
one that still has items asks for another run at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import orjson
from sqlalchemy import Engine

from app.core.feed_read import CursorExpired, Page, feed_items, read_page
from app.core.metrics import PUSH_BATCHES, PUSHED_ITEMS, series
from app.core.settings import PushSettings
from app.core.subscriptions import event_filter
from app.core.webhook_signing import message_id
from workers.push import store
from workers.push.backoff import pauses, retry_delay
from workers.push.delivery import deliver

log = logging.getLogger(__name__)

BATCH_SIZE = 100
RUN_BUDGET_SECONDS = 30.0
EXPIRED = (
    "cursor_expired: retention deleted events this subscription had not received; delete it and "
    "subscribe again (GET /api/v1/feed serves the events kept)"
)


@dataclass
class Run:
    batches: int = 0
    items: int = 0
    more: bool = False  # the budget ran out with items still to push


def push_subscription(
    engine: Engine,
    store_name: str,
    settings: PushSettings,
    subscription_id: int,
    holder: str,
    client: httpx.Client,
    *,
    budget: float = RUN_BUDGET_SECONDS,
    jitter: Callable[[], float] = random.random,
) -> Run:
    run, deadline = Run(), time.monotonic() + budget
    claimed = store.claim(engine, subscription_id, holder, _now())
    while claimed is not None:  # None: deleted, no longer active, or the lease was lost
        if time.monotonic() > deadline:
            run.more = True
            return run
        page = _next_page(engine, store_name, claimed, holder)
        if page is None:  # paused: retention passed its cursor
            return run
        if not page.rows:
            store.caught_up(engine, claimed.id, holder, max(page.next, claimed.cursor), _now())
            return run
        if claimed.batch_end is None and len(page.rows) < BATCH_SIZE:
            # A page that is not full ends at the read's bound, and a retry's read would find more: its end
            # is kept. A full page needs none: no row can appear before its last one later on.
            store.start_batch(engine, claimed.id, holder, page.next)
        body = orjson.dumps({"items": feed_items(store_name, page.rows)})
        batch_id = message_id(claimed.id, store_name, claimed.cursor.xact, claimed.cursor.id)
        outcome = deliver(client, claimed.url, claimed.secret, batch_id, body)
        if not outcome.ok:
            _failed(engine, store_name, settings, claimed, holder, outcome.error or "failed", jitter)
            series(PUSH_BATCHES, "failed").inc()
            return run
        series(PUSH_BATCHES, "delivered").inc()
        PUSHED_ITEMS.inc(len(page.rows))
        run.batches += 1
        run.items += len(page.rows)
        claimed = store.delivered(engine, claimed, holder, page.next, _now())
    return run


def _next_page(engine: Engine, store_name: str, claimed: store.Claimed, holder: str) -> Page | None:
    """The subscription's next batch (the one it was sent before, on a retry); None once it is paused."""
    conditions = event_filter(claimed.types, claimed.region)
    try:
        return read_page(engine, conditions, claimed.cursor, BATCH_SIZE, claimed.batch_end)
    except CursorExpired:
        why = "its cursor is before events retention deleted"
        log.warning("push %s/%s paused: %s", store_name, claimed.id, why)
        store.paused(engine, claimed.id, holder, EXPIRED, _now())
        return None


def _failed(
    engine: Engine,
    store_name: str,
    settings: PushSettings,
    claimed: store.Claimed,
    holder: str,
    error: str,
    jitter: Callable[[], float],
) -> None:
    now = _now()
    pause = pauses(claimed.failing_since, now, settings.pause_after)
    delay = retry_delay(claimed.attempts + 1, settings.backoff, settings.max_backoff, jitter)
    store.failed(engine, claimed, holder, error, now, now + timedelta(seconds=delay), pause)
    if pause:
        log.warning(
            "push %s/%s paused after failing since %s: %s",
            store_name,
            claimed.id,
            claimed.failing_since,
            error,
        )
    else:
        log.info(
            "push %s/%s failed (%s), try %d again in %.1fs",
            store_name,
            claimed.id,
            error,
            claimed.attempts + 2,
            delay,
        )


def _now() -> datetime:
    return datetime.now(UTC)
