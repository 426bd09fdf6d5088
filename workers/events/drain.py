"""drain_inbox: claim pending inbox rows, normalize them, store events in bulk, settle the rows.

One transaction per batch: events inserted (duplicates ignored by the unique key), rows marked done or dead,
all or nothing. Running it twice, or on two workers at once, never stores an event twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

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
from workers.events.claims import ClaimedRow, begin_claiming, claim_pending, mark_dead
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
# `events_api`: Events API items the poller could not normalize, replayed by an operator.
WEBHOOK_KINDS = (InboxKind.WEBHOOK, InboxKind.LEGACY_WEBHOOK, InboxKind.EVENTS_API)


@dataclass
class BatchResult:
    claimed: int = 0
    events: int = 0
    dead: int = 0
    dead_reasons: dict[int, str] = field(default_factory=dict)
    dead_by_kind: dict[str, int] = field(default_factory=dict)
    fetches: list[int] = field(default_factory=list)
    forwards: dict[int, Engine] = field(default_factory=dict)  # rows that belong in another database


def drain_batch(
    engine: Engine, settings: Settings, limit: int = BATCH_SIZE, store: str = PRIMARY
) -> BatchResult:
    """One batch from the database `store` names (the primary one unless the EU has its own)."""
    with engine.connect() as connection:
        begin_claiming(connection)
        rows = claim_pending(connection, limit)
        result = _process(connection, rows, settings, store)
        forward_rows(connection, result.forwards)
        connection.commit()
    # Only once committed, so a rolled-back batch is not counted.
    for kind, n in result.dead_by_kind.items():
        DEAD_LETTERS.labels(kind).inc(n)
    # Only once committed: a fetch must find its pending message.
    enqueue_fetches(settings, result.fetches, store)
    return result


def _process(connection: Connection, rows: list[ClaimedRow], settings: Settings, store: str) -> BatchResult:
    result = BatchResult(claimed=len(rows))
    elsewhere = _regions_kept_elsewhere(settings, store)
    event_rows = []
    for row in rows:  # claimed rows are already marked done; only the dead ones are re-marked below
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
        outcome = interpret_webhook(
            row.kind,
            row.content_type,
            row.body,
            domain_regions=settings.domain_regions,
            region_hint=row.region_hint,
            domain_hint=row.domain_hint,
        )
        if isinstance(outcome, DeadLetter):
            result.dead_reasons[row.id] = outcome.reason
            continue
        if outcome.region in elsewhere:
            result.forwards[row.id] = elsewhere[outcome.region]
            continue
        event_rows.append({**outcome.as_row(), "inbox_id": row.id, "received_at": row.received_at})
    result.events = store_events(connection, event_rows, settings)  # with their sync actions, all or nothing
    mark_dead(connection, result.dead_reasons)
    result.dead = len(result.dead_reasons)
    for row in rows:
        if row.id in result.dead_reasons:
            result.dead_by_kind[row.kind] = result.dead_by_kind.get(row.kind, 0) + 1
    return result


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
        if batch.claimed < BATCH_SIZE:
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
