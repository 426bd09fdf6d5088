"""Retention: events, inbox rows, inbound messages and taken signature tokens older than
MAILHOOK_RETENTION_DAYS are deleted.

On Postgres `events` is partitioned by time (app/core/partitions.py): a partition wholly older than the
cutoff is detached and dropped (workers/ops/partition_drop.py), which costs the same at any size and leaves
nothing for autovacuum. Only the partition that straddles the cutoff, and the default one, still have rows
deleted. Every other deletion (those, the other tables, and everything on SQLite) goes in bounded batches,
one short transaction each, so a purge never holds locks or bloats one transaction for long.
Inbox rows still pending are never purged: they are work not done yet, not history. Attachments go with
their message (foreign key, ON DELETE CASCADE). With a database per region (app/core/stores.py) each database
is purged in turn, under a lease of its own, and one that fails does not keep the others from theirs.
Deleting events, or dropping a partition of them, raises the database's feed horizon
(app/core/models/feed.py) in the same transaction, so a feed cursor that still had them to read is refused,
never silently moved past them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import shared_task
from sqlalchemy import ColumnElement, Connection, Delete, Engine, delete, func, select, true

from app.core.db import engine_for_url
from app.core.models.events import Event
from app.core.models.inbound import InboundMessageRow
from app.core.models.inbox import InboxRow
from app.core.models.inbox_vocab import InboxStatus
from app.core.models.tokens import SignatureToken
from app.core.partitions import is_partitioned
from app.core.stores import Store, stores
from app.core.task_names import PURGE_EXPIRED
from workers.ops.feed_horizon import raise_feed_horizon
from workers.ops.leases import run_alone
from workers.ops.partition_drop import drop_expired_partitions
from workers.settings import task_settings

log = logging.getLogger(__name__)

PURGE_BATCH = 5000


@dataclass(frozen=True, slots=True)
class Target:
    table: Any
    age: Any  # the column whose time says how old a row is
    keep: ColumnElement[bool]  # rows matching this are never purged
    key: str = "id"  # the column a batch of rows is picked by


def targets() -> list[Target]:
    return [
        Target(Event.__table__, Event.occurred_at, true()),
        Target(InboxRow.__table__, InboxRow.received_at, InboxRow.status != InboxStatus.PENDING),
        Target(InboundMessageRow.__table__, InboundMessageRow.received_at, true()),
        # Kept as long as inbox rows are, so a token stays taken across databases as long as in one.
        Target(SignatureToken.__table__, SignatureToken.taken_at, true(), key="token"),
    ]


@dataclass(frozen=True, slots=True)
class Purged:
    table: str
    rows: int  # deleted in batches, plus (about, from the statistics) those of the dropped partitions
    batches: int
    partitions: int = 0  # whole partitions dropped


def cutoff_for(days: float, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=days)


def purge(
    engine: Engine,
    cutoff: datetime,
    *,
    batch: int = PURGE_BATCH,
    dry_run: bool = False,
    on_batch: Callable[[str, int], None] | None = None,
) -> Iterator[Purged]:
    """Per table, the rows older than `cutoff` deleted (or, dry, counted)."""
    for target in targets():
        if dry_run:
            yield Purged(target.table.name, _count(engine, target, cutoff), 0)
        elif target.table is Event.__table__:
            dropped = drop_expired_partitions(engine, cutoff)
            rest = _purge_table(engine, target, cutoff, batch, on_batch)
            yield Purged(rest.table, rest.rows + dropped.rows, rest.batches, dropped.partitions)
        else:
            yield _purge_table(engine, target, cutoff, batch, on_batch)


def events_partitioned(engine: Engine) -> bool:
    """Whether `events` is a partitioned Postgres table (then old partitions are dropped whole)."""
    with engine.connect() as connection:
        return is_partitioned(connection)


def _purge_table(
    engine: Engine, target: Target, cutoff: datetime, batch: int, on_batch: Callable[[str, int], None] | None
) -> Purged:
    table, total, batches = target.table, 0, 0
    key = table.c[target.key]
    while True:
        expired = select(key).where(target.age < cutoff, target.keep).limit(batch)
        # The age again outside: on a partitioned table it prunes the delete to the partitions it can touch.
        statement = delete(table).where(key.in_(expired.scalar_subquery()), target.age < cutoff)
        with engine.begin() as connection:
            deleted = _delete(connection, statement)
        total, batches = total + deleted, batches + 1
        if on_batch is not None and deleted:
            on_batch(table.name, deleted)
        if deleted < batch:
            return Purged(table.name, total, batches)


def _delete(connection: Connection, statement: Delete) -> int:
    if statement.table is not Event.__table__:
        return int(connection.execute(statement).rowcount)
    positions = connection.execute(statement.returning(Event.feed_xact, Event.id)).all()
    if positions:
        raise_feed_horizon(connection, max((int(xact), int(row_id)) for xact, row_id in positions))
    return len(positions)


def _count(engine: Engine, target: Target, cutoff: datetime) -> int:
    query = select(func.count()).select_from(target.table).where(target.age < cutoff, target.keep)
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


@shared_task(name=PURGE_EXPIRED, bind=True, ignore_result=True)
def purge_expired(self: Any) -> int:
    """Beat, daily: apply MAILHOOK_RETENTION_DAYS; the number of rows deleted."""
    settings = task_settings(self.app)
    cutoff, deleted, failures = cutoff_for(settings.retention_days), 0, list[Exception]()
    for store in stores(settings):
        try:
            deleted += purge_store(store, cutoff)
        except Exception as exc:  # the next database is purged all the same; the task fails at the end
            log.warning("retention: the purge of the %s database failed: %s", store.name, type(exc).__name__)
            failures.append(exc)
    if failures:
        raise failures[0]
    return deleted


def purge_store(store: Store, cutoff: datetime) -> int:
    """One database's purge, under that database's lease; the rows deleted."""
    engine = engine_for_url(store.url)
    # Under a lease: a second beat's purge would delete nothing more, but would double the load and the log.
    results = run_alone(engine, PURGE_EXPIRED, lambda: list(purge(engine, cutoff))) or []
    for result in results:
        log.info("retention: %d %s rows older than %s deleted (%s database)", result.rows, result.table,
                 cutoff.isoformat(), store.name)  # fmt: skip
    return sum(result.rows for result in results)
