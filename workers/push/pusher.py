"""Push one subscription's events: batches of up to 100 feed items, in feed order, the next only after the
previous one got a 2xx.

The batches are read by the feed's own query (app/core/feed_read.py), so a subscriber receives exactly what
GET /api/v1/feed would serve it, gap-free under concurrent writers. A batch's end is stored before it is first
sent, and its webhook-id is derived from the subscription and the position it starts after: every retry
sends the same items under the same id, and a subscriber that deduplicates by webhook-id processes each once.

While a batch is out, the next one is read and serialized on a second thread (workers/push/batches.py): the
database and the subscriber work at the same time, and a batch's turn costs the longer of the two rather than
their sum. The batch read ahead is only sent after its predecessor got a 2xx and the cursor moved past it;
when the predecessor fails it is dropped, and the retry reads from the stored cursor again. Every write of a
run is one statement and each read's statements take their own snapshots anyway (READ COMMITTED), so the run
writes and reads without BEGIN and COMMIT around them: two round trips to the database fewer each.

A failure ends the run: the subscription is due again after the backoff (workers/push/backoff.py), and beat
hands it out then. A run pushes for a bounded time, so one busy subscription never holds a worker for long;
one that still has items asks for another run at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import Engine

from app.core.feed_read import CursorExpired
from app.core.metrics import PUSH_BATCHES, PUSHED_ITEMS, series
from app.core.settings import PushSettings
from app.core.subscriptions import event_filter
from app.core.webhook_signing import message_id
from workers.push import store
from workers.push.backoff import pauses, retry_delay
from workers.push.batches import Batch, Reader
from workers.push.delivery import deliver

log = logging.getLogger(__name__)

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
    engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    claimed = store.claim(engine, subscription_id, holder, _now())
    if claimed is None:  # deleted, no longer active, or the lease was lost
        return run
    reader = Reader(engine, store_name, event_filter(claimed.types, claimed.region))
    batch = _settled(engine, store_name, claimed, holder, _read_now(reader, claimed))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="push-read-ahead") as ahead:
        while batch is not None:  # None: paused, as retention passed its cursor
            if not batch.rows:
                store.caught_up(engine, claimed.id, holder, max(batch.next, claimed.cursor), _now())
                return run
            if claimed.batch_end is None and not batch.full:
                store.start_batch(engine, claimed.id, holder, batch.next)
            following = ahead.submit(reader.read, batch.next)
            batch_id = message_id(claimed.id, store_name, claimed.cursor.xact, claimed.cursor.id)
            outcome = deliver(client, claimed.url, claimed.secret, batch_id, batch.body)
            if not outcome.ok:  # the batch read ahead is dropped: the retry starts from the cursor kept
                _failed(engine, store_name, settings, claimed, holder, outcome.error or "failed", jitter)
                series(PUSH_BATCHES, "failed").inc()
                return run
            series(PUSH_BATCHES, "delivered").inc()
            PUSHED_ITEMS.inc(batch.rows)
            run.batches += 1
            run.items += batch.rows
            read = _outcome(following)
            # The next batch's end is kept in the statement that moves the cursor, before it is first sent.
            keep = read.next if isinstance(read, Batch) and read.rows and not read.full else None
            claimed = store.delivered(engine, claimed, holder, batch.next, _now(), next_end=keep)
            if claimed is None:  # deleted meanwhile, or the lease was lost
                return run
            if time.monotonic() > deadline:
                run.more = True
                return run
            if isinstance(read, Batch) and not read.rows:
                # Read while the batch was out: events committed since then are pushed in this run too.
                read = _read_now(reader, claimed)
            batch = _settled(engine, store_name, claimed, holder, read)
    return run


def _read_now(reader: Reader, claimed: store.Claimed) -> Batch | CursorExpired:
    """The subscription's next batch (the one it was sent before, on a retry)."""
    try:
        return reader.read(claimed.cursor, claimed.batch_end)
    except CursorExpired as expired:
        return expired


def _outcome(following: Future[Batch]) -> Batch | CursorExpired:
    try:
        return following.result()
    except CursorExpired as expired:
        return expired


def _settled(
    engine: Engine, store_name: str, claimed: store.Claimed, holder: str, read: Batch | CursorExpired
) -> Batch | None:
    """The batch read; None once the subscription is paused because retention passed its cursor."""
    if isinstance(read, Batch):
        return read
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
