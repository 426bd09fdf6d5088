"""The drain: claim pending inbox rows, read them, write what they mean, settle the rows.

A claim is a transaction of its own, which counts the attempt on each row (workers/events/claims.py). Each
row's processor (workers/events/processors.py, one per inbox kind) then reads it with no transaction open
and writes what it read in a unit of work (app/core/unit_of_work.py): events recorded with the sync actions
they cause (duplicates skipped by the unique key), messages stored, rows forwarded to their region's
database or dead-lettered with their reason; what must follow the commit (fetch tasks, counters) runs only
after it. A row that cannot be stored is set apart and the rest of its batch is stored without it
(workers/events/apart.py). Running it twice, or on two workers at once, never stores anything twice.

Two lanes, two tasks: `drain_inbox` takes tracking webhooks, 500 rows to a transaction; `drain_inbound` takes
mail posted to the inbound routes, one message to a transaction, one run per database at a time, so parsing
mail holds at most one worker slot and a slow message never delays an event.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from celery import Task, shared_task
from sqlalchemy import Engine, exists, select

from app.core.db import store_engines
from app.core.models.inbox_vocab import InboxStatus
from app.core.settings import Settings
from app.core.stores import PRIMARY, split
from app.core.task_names import DRAIN_INBOUND, DRAIN_INBOX, SWEEP_INBOX
from app.core.unit_of_work import unit_of_work
from workers.events.apart import describe, is_the_items_fault
from workers.events.batch import Batch, count_dead
from workers.events.claims import ClaimedRow, begin_writing, claim_batch, inbox, note_failed_attempt, take
from workers.events.processors import LANES, Lane, Processor, lane_rows, processor_for
from workers.ops.leases import run_alone
from workers.ops.per_store import on_its_own
from workers.settings import task_settings

log = logging.getLogger(__name__)

BATCH_SIZE = LANES[Lane.EVENTS].batch_size
# A drain hands back to the queue after this long, so one task never hogs a worker slot.
DRAIN_BUDGET_SECONDS = 20.0
# One inbound drain per database at a time. Held for longer than a run's budget and its last message take;
# a run killed before releasing it holds the lane up for this long at most.
INBOUND_LEASE = timedelta(minutes=2)
TASK_OF_LANE = {Lane.EVENTS: DRAIN_INBOX, Lane.INBOUND: DRAIN_INBOUND}


@dataclass
class BatchResult:
    claimed: int = 0
    events: int = 0
    dead: int = 0
    dead_reasons: dict[int, str] = field(default_factory=dict)
    fetches: list[int] = field(default_factory=list)
    forwards: dict[int, Engine] = field(default_factory=dict)  # rows that belong in another database
    more: bool = False  # claimable rows were left for the next batch


def drain_batch(
    engine: Engine,
    settings: Settings,
    limit: int | None = None,
    store: str = PRIMARY,
    lane: Lane = Lane.EVENTS,
) -> BatchResult:
    """One claim of `lane`'s rows from the database `store` names (the primary one unless the EU has its
    own), written a group of the lane's size at a time."""
    rules = LANES[lane]
    claim = claim_batch(
        engine, limit or rules.batch_size, lane=lane_rows(lane), hold_seconds=rules.claim_seconds
    )
    count_dead(Counter(claim.gave_up_kinds.values()))  # committed with the claim
    result = BatchResult(
        claimed=len(claim.rows) + len(claim.gave_up), dead=len(claim.gave_up), more=claim.more
    )
    for group in _groups(claim.rows, rules.rows_per_write):
        _write(engine, group, settings, store, result)
    return result


def _groups(rows: Sequence[ClaimedRow], size: int) -> Iterator[Sequence[ClaimedRow]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _write(
    engine: Engine, rows: Sequence[ClaimedRow], settings: Settings, store: str, result: BatchResult
) -> None:
    read = [_read(row, settings) for row in rows]  # no transaction is open meanwhile
    try:
        with unit_of_work(engine, begin=begin_writing) as work:
            ours = take(work.connection, rows)
            batch = Batch(work, settings, store, kinds={row.id: row.kind for row in rows})
            for row, (processor, what) in zip(rows, read, strict=True):
                if row.id in ours:  # taken rows are marked done; the batch marks the dead ones
                    processor.write(batch, row, what)
            batch.settle()
    except Exception as exc:
        _note_failure(engine, rows, exc)
        raise
    # Only once committed, so a rolled-back batch is not counted.
    result.events += batch.stored
    result.dead += len(batch.dead)
    result.dead_reasons.update(batch.dead)
    result.fetches += batch.fetches
    result.forwards.update(batch.forwards)


def _read(row: ClaimedRow, settings: Settings) -> tuple[Processor, Any]:
    """The row's processor and what it read; a reader that fails on the row makes it a dead letter, so no
    input can fail its whole batch (the task running out of time can, and is retried)."""
    processor = processor_for(row)
    try:
        return processor, processor.read(row, settings)
    except Exception as exc:
        if not is_the_items_fault(exc):
            raise
        return _UNREADABLE, f"could not be read: {describe(exc)}"


def _unreadable(batch: Batch, row: ClaimedRow, reason: str) -> None:
    batch.dead[row.id] = reason


_UNREADABLE = Processor(Lane.EVENTS, lambda row, settings: None, _unreadable)


def _note_failure(engine: Engine, rows: Sequence[ClaimedRow], exc: Exception) -> None:
    try:
        note_failed_attempt(engine, rows, describe(exc))
    except Exception as noted:  # the store is away: the claim runs out on its own
        log.warning("could not note a failed drain attempt: %s", type(noted).__name__)


def drain_until_empty(
    engine: Engine,
    settings: Settings,
    budget: float = DRAIN_BUDGET_SECONDS,
    store: str = PRIMARY,
    lane: Lane = Lane.EVENTS,
) -> tuple[int, bool]:
    """Drain batches of `lane` until none is left or the budget is spent; (rows claimed, more left?)."""
    deadline, total = time.monotonic() + budget, 0
    while time.monotonic() < deadline:
        batch = drain_batch(engine, settings, store=store, lane=lane)
        total += batch.claimed
        if batch.dead:
            log.warning("dead-lettered %d inbox rows", batch.dead)
        if not batch.more:
            return total, False
    return total, True


def drain_every_store(settings: Settings, lanes: Iterable[Lane] = tuple(Lane)) -> tuple[int, bool]:
    """Drain `lanes` in each database in turn; (rows claimed, more left in any?).

    The primary database goes first, so what it forwards to a region's own database is drained in the same
    pass; a second pass takes what a later database forwarded back to an earlier one."""
    claimed, more, lanes = 0, False, tuple(lanes)
    for turn in range(2 if split(settings) else 1):
        for store, engine in store_engines(settings):
            for lane in lanes:
                with on_its_own(settings, store.name, f"{lane} drain"):
                    if turn and not has_pending(engine, lane):
                        continue
                    store_claimed, store_more = _drain_lane(engine, settings, store.name, lane)
                    claimed, more = claimed + store_claimed, more or store_more
    return claimed, more


def _drain_lane(engine: Engine, settings: Settings, store: str, lane: Lane) -> tuple[int, bool]:
    if lane is Lane.EVENTS:  # claimed row by row: any number of drains may run at once
        return drain_until_empty(engine, settings, store=store, lane=lane)
    ran = run_alone(
        engine,
        f"{DRAIN_INBOUND}:{store}",
        lambda: drain_until_empty(engine, settings, store=store, lane=lane),
        hold=INBOUND_LEASE,
    )
    return ran if ran is not None else (0, False)  # the running drain takes what is left


def has_pending(engine: Engine, lane: Lane | None = None) -> bool:
    pending = inbox.c.status == InboxStatus.PENDING
    where = pending if lane is None else pending & lane_rows(lane)
    with engine.connect() as connection:
        return bool(connection.scalar(select(exists().where(where))))


@shared_task(name=DRAIN_INBOX, bind=True, acks_late=True, ignore_result=True)
def drain_inbox(self: Task) -> int:
    return _drain_task(self, Lane.EVENTS)


@shared_task(name=DRAIN_INBOUND, bind=True, acks_late=True, ignore_result=True)
def drain_inbound(self: Task) -> int:
    return _drain_task(self, Lane.INBOUND)


def _drain_task(task: Task, lane: Lane) -> int:
    claimed, more = drain_every_store(task_settings(task.app), (lane,))
    if more:
        task.app.send_task(TASK_OF_LANE[lane])
    return claimed


@shared_task(name=SWEEP_INBOX, bind=True, ignore_result=True)
def sweep_inbox(self: Task) -> bool:
    """Beat: wake each lane's drain for rows whose wake-up was lost (broker down, worker killed)."""
    settings = task_settings(self.app)
    pending: set[Lane] = set()
    for store, engine in store_engines(settings):
        with on_its_own(settings, store.name, "sweep"):
            pending |= {lane for lane in Lane if lane not in pending and has_pending(engine, lane)}
    for lane in sorted(pending):
        self.app.send_task(TASK_OF_LANE[lane])
    return bool(pending)
