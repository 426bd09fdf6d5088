"""drain_inbox: claim pending inbox rows, normalize them, store events in bulk, settle the rows.

A batch is claimed in a transaction of its own, which counts the attempt on each row
(workers/events/claims.py), then normalized with no transaction open, then written in one transaction:
events inserted (duplicates ignored by the unique key), rows marked done or dead. A row that cannot be stored
is set apart as a dead letter with its reason and the rest of its batch is stored without it
(workers/events/apart.py). Running it twice, or on two workers at once, never stores an event twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from celery import Task, shared_task
from sqlalchemy import Connection, Engine, exists, select

from app.core.db import engine_for_url, store_engines
from app.core.metrics import DEAD_LETTERS
from app.core.models.inbox import InboxRow
from app.core.models.inbox_vocab import InboxKind, InboxStatus
from app.core.regions import REGIONS
from app.core.settings import Settings
from app.core.stores import PRIMARY, split, store_for_region
from app.core.task_names import DRAIN_INBOX, SWEEP_INBOX
from workers.events.apart import describe, write_apart
from workers.events.claims import (
    Claim,
    ClaimedRow,
    begin_writing,
    claim_batch,
    mark_dead,
    note_failed_attempt,
    take,
)
from workers.events.forward import forward_rows
from workers.events.interpret import DeadLetter, interpret_webhook
from workers.events.store import store_events
from workers.inbound.store import store_inbound
from workers.inbound.tasks import enqueue_fetches
from workers.inbound.triage import is_inbound
from workers.ops.per_store import on_its_own
from workers.settings import task_settings

log = logging.getLogger(__name__)

BATCH_SIZE = 500
# A drain hands back to the queue after this long, so one task never hogs a worker slot.
DRAIN_BUDGET_SECONDS = 20.0
# `events_api`, `logs_api`: items the poller could not normalize, replayed by an operator.
WEBHOOK_KINDS = (InboxKind.WEBHOOK, InboxKind.LEGACY_WEBHOOK, InboxKind.EVENTS_API, InboxKind.LOGS_API)


@dataclass
class BatchResult:
    claimed: int = 0
    events: int = 0
    dead: int = 0
    dead_reasons: dict[int, str] = field(default_factory=dict)
    dead_by_kind: dict[str, int] = field(default_factory=dict)
    fetches: list[int] = field(default_factory=list)
    forwards: dict[int, Engine] = field(default_factory=dict)  # rows that belong in another database
    more: bool = False  # claimable rows were left for the next batch


def drain_batch(
    engine: Engine, settings: Settings, limit: int = BATCH_SIZE, store: str = PRIMARY
) -> BatchResult:
    """One batch from the database `store` names (the primary one unless the EU has its own)."""
    claim = claim_batch(engine, limit)
    _count_dead(claim.gave_up_kinds.values())  # committed with the claim
    result = BatchResult(
        claimed=len(claim.rows) + len(claim.gave_up), dead=len(claim.gave_up), more=claim.more
    )
    if not claim.rows:
        return result
    meanings = _interpret(claim.rows, settings)  # pure: no transaction is open meanwhile
    try:
        with engine.connect() as connection:
            begin_writing(connection)
            ours = take(connection, claim.rows)
            _process(
                connection, [row for row in claim.rows if row.id in ours], meanings, settings, store, result
            )
            forward_rows(connection, result.forwards)
            connection.commit()
    except Exception as exc:
        _note_failure(engine, claim, exc)
        raise
    result.dead += len(result.dead_reasons)
    # Only once committed, so a rolled-back batch is not counted.
    kinds = {row.id: row.kind for row in claim.rows}
    _count_dead(kinds[row_id] for row_id in result.dead_reasons)
    # Only once committed: a fetch must find its pending message.
    enqueue_fetches(settings, result.fetches, store)
    return result


def _count_dead(kinds: Any) -> None:
    counts: dict[str, int] = {}
    for kind in kinds:
        counts[kind] = counts.get(kind, 0) + 1
    for kind, n in counts.items():
        DEAD_LETTERS.labels(kind).inc(n)


def _note_failure(engine: Engine, claim: Claim, exc: Exception) -> None:
    try:
        note_failed_attempt(engine, claim.rows, describe(exc))
    except Exception as noted:  # the store is away: the claim runs out on its own
        log.warning("could not note a failed drain attempt: %s", type(noted).__name__)


def _interpret(rows: list[ClaimedRow], settings: Settings) -> dict[int, object]:
    """What each webhook row means (an event or a dead letter), worked out before the write begins."""
    return {
        row.id: interpret_webhook(
            row.kind,
            row.content_type,
            row.body,
            domain_regions=settings.domain_regions,
            region_hint=row.region_hint,
            domain_hint=row.domain_hint,
        )
        for row in rows
        if not is_inbound(row.kind, row.route) and row.kind in WEBHOOK_KINDS
    }


def _process(
    connection: Connection,
    rows: list[ClaimedRow],
    meanings: dict[int, object],
    settings: Settings,
    store: str,
    result: BatchResult,
) -> None:
    elsewhere = _regions_kept_elsewhere(settings, store)
    event_rows = []
    for row in rows:  # taken rows are already marked done; only the dead ones are re-marked below
        if is_inbound(row.kind, row.route):
            inbound = store_inbound(connection, row, settings, store)
            if inbound.forward_to is not None:
                result.forwards[row.id] = engine_for_url(inbound.forward_to)
                continue
            if inbound.dead_reason is not None:
                result.dead_reasons[row.id] = inbound.dead_reason
            result.fetches += inbound.fetches
            continue
        if row.kind not in WEBHOOK_KINDS:
            result.dead_reasons[row.id] = f"no processor for inbox kind {row.kind!r}"
            continue
        outcome = meanings[row.id]
        if isinstance(outcome, DeadLetter):
            result.dead_reasons[row.id] = outcome.reason
            continue
        if outcome.region in elsewhere:  # type: ignore[attr-defined]
            result.forwards[row.id] = elsewhere[outcome.region]  # type: ignore[attr-defined]
            continue
        event_rows.append({**outcome.as_row(), "inbox_id": row.id, "received_at": row.received_at})  # type: ignore[attr-defined]

    def refused(event: dict[str, Any], reason: str) -> None:
        result.dead_reasons[event["inbox_id"]] = f"the event could not be stored: {reason}"

    # Each part with its sync actions, all or nothing.
    stored = write_apart(
        connection, event_rows, lambda part: [store_events(connection, part, settings)], refused
    )
    result.events = sum(stored)
    mark_dead(connection, result.dead_reasons)


def _regions_kept_elsewhere(settings: Settings, store: str) -> dict[str, Engine]:
    """Region -> the engine of its database, for the regions the database `store` does not keep (none
    unless DATABASE_URL_EU is set). Worked out once a batch: the loop only looks a region up."""
    homes = {region: store_for_region(settings, region) for region in REGIONS}
    return {region: engine_for_url(home.url) for region, home in homes.items() if home.name != store}


def drain_until_empty(
    engine: Engine, settings: Settings, budget: float = DRAIN_BUDGET_SECONDS, store: str = PRIMARY
) -> tuple[int, bool]:
    """Drain batches until none is left or the budget is spent; (rows claimed, more left?)."""
    deadline, total = time.monotonic() + budget, 0
    while time.monotonic() < deadline:
        batch = drain_batch(engine, settings, store=store)
        total += batch.claimed
        if batch.dead:
            log.warning("dead-lettered %d inbox rows", batch.dead)
        if not batch.more:
            return total, False
    return total, True


def drain_every_store(settings: Settings) -> tuple[int, bool]:
    """Drain each database in turn; (rows claimed, more left in any?).

    The primary database goes first, so what it forwards to a region's own database is drained in the same
    pass; a second pass takes what a later database forwarded back to an earlier one."""
    claimed, more = 0, False
    for turn in range(2 if split(settings) else 1):
        for store, engine in store_engines(settings):
            with on_its_own(settings, store.name, "drain"):
                if turn and not has_pending(engine):
                    continue
                store_claimed, store_more = drain_until_empty(engine, settings, store=store.name)
                claimed, more = claimed + store_claimed, more or store_more
    return claimed, more


def has_pending(engine: Engine) -> bool:
    with engine.connect() as connection:
        return bool(connection.scalar(select(exists().where(InboxRow.status == InboxStatus.PENDING))))


@shared_task(name=DRAIN_INBOX, bind=True, acks_late=True, ignore_result=True)
def drain_inbox(self: Task) -> int:
    claimed, more = drain_every_store(task_settings(self.app))
    if more:
        self.app.send_task(DRAIN_INBOX)
    return claimed


@shared_task(name=SWEEP_INBOX, bind=True, ignore_result=True)
def sweep_inbox(self: Task) -> bool:
    """Beat: wake the drain for rows whose wake-up was lost (broker down, worker killed)."""
    settings = task_settings(self.app)
    pending = False
    for store, engine in store_engines(settings):
        with on_its_own(settings, store.name, "sweep"):
            pending = pending or has_pending(engine)
    if pending:
        self.app.send_task(DRAIN_INBOX)
    return pending
