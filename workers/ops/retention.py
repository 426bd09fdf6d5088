"""Retention: events, inbox rows, inbound messages and taken signature tokens older than
MAILHOOK_RETENTION_DAYS are deleted.

`events` is not partitioned, so there is no month to drop: rows go in bounded batches, one short
transaction each, so a purge never holds locks or bloats one transaction for long, on Postgres or SQLite.
Inbox rows still pending are never purged: they are work not done yet, not history. Attachments go with
their message (foreign key, ON DELETE CASCADE). With a database per region (app/core/stores.py) each database
is purged in turn, under a lease of its own, and one that fails does not keep the others from theirs.
Deleting events raises the database's feed horizon (app/core/models/feed.py) in the same transaction, so a
feed cursor that still had them to read is refused, never silently moved past them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import shared_task
from sqlalchemy import ColumnElement, Connection, Delete, Engine, delete, func, select, text, true, tuple_

from app.core.db import engine_for_url, upsert
from app.core.models.events import Event
from app.core.models.feed import HORIZON_ROW, FeedHorizon
from app.core.models.inbound import InboundMessageRow
from app.core.models.inbox import InboxRow
from app.core.models.inbox_vocab import InboxStatus
from app.core.models.tokens import SignatureToken
from app.core.stores import Store, stores
from app.core.task_names import PURGE_EXPIRED
from workers.ops.leases import run_alone
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
    rows: int
    batches: int


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
        else:
            yield _purge_table(engine, target, cutoff, batch, on_batch)


def events_partitioned(engine: Engine) -> bool:
    """Whether `events` is a partitioned Postgres table (then old months could simply be dropped)."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        kind = connection.scalar(text("SELECT relkind FROM pg_class WHERE oid = 'events'::regclass"))
    return kind == "p"


def _purge_table(
    engine: Engine, target: Target, cutoff: datetime, batch: int, on_batch: Callable[[str, int], None] | None
) -> Purged:
    table, total, batches = target.table, 0, 0
    key = table.c[target.key]
    while True:
        expired = select(key).where(target.age < cutoff, target.keep).limit(batch)
        with engine.begin() as connection:
            deleted = _delete(connection, delete(table).where(key.in_(expired.scalar_subquery())))
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


def raise_feed_horizon(connection: Connection, position: tuple[int, int]) -> None:
    """Record that events up to `position` may be gone (the horizon only ever rises)."""
    horizon = FeedHorizon.__table__
    row = {"id": HORIZON_ROW, "feed_xact": position[0], "event_id": position[1]}
    current, proposed = tuple_(horizon.c.feed_xact, horizon.c.event_id), tuple_(*position)
    connection.execute(upsert(horizon, connection, ["id"], row, where=current < proposed))


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
