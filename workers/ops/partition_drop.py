"""Retention by partition: each partition of `events` wholly older than the cutoff, detached and dropped.

One short transaction per partition detaches it: it locks `events` (DETACH needs it exclusively, so it is
taken first, with a short lock timeout, rather than queued behind a long read with every other query queued
behind it), reads the greatest feed position the partition holds, raises the feed horizon to it and
detaches. Taking the lock before reading the position means no insert can add a later one in between. A
second transaction drops the detached table: a drop unlinks the table's files at its commit, which for a
day of events at volume took most of a second (bench/scale.py), and done under the first one's lock it held
every write and read of `events` up for as long. A table left detached by a run stopped between the two
(named like a partition, no longer one, wholly older than the cutoff) is dropped by the next run. Dropping
costs the same for a thousand rows or ten million, rewrites no index and leaves no dead rows behind. A lock
not had within the timeout is tried again a few times, then left to the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, text

from app.core.partition_periods import NAME_PREFIX, PARENT, expired, held_at_most_until
from app.core.partitions import partitions
from workers.ops.events_lock import with_events_locked
from workers.ops.feed_horizon import raise_feed_horizon

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Dropped:
    partitions: int
    rows: int  # from the statistics (about), or counted when the partition was never analyzed


def drop_expired_partitions(engine: Engine, cutoff: datetime) -> Dropped:
    """Every partition of `events` wholly older than `cutoff`, dropped; nothing on SQLite or unpartitioned."""
    with engine.connect() as connection:
        found = partitions(connection)
        left_detached = _left_detached(connection, cutoff) if found else []
    ranges = {p.range: p.name for p in found if p.range is not None}
    names = [ranges[r] for r in expired(list(ranges), cutoff)]
    rows = sum(_drop_partition(engine, name) for name in names)
    for name in left_detached:
        log.info("retention: %s was detached and not dropped: dropping it", name)
        _drop_detached(engine, name)
    return Dropped(len(names), rows)


def _drop_partition(engine: Engine, name: str) -> int:
    # Before the lock: a partition never analyzed is counted, and a count of a day's rows takes a second or
    # more, which under the lock would hold every insert into and read of `events` up for as long.
    with engine.connect() as connection:
        rows = _rows(connection, name)
    with_events_locked(
        engine,
        lambda connection: _detach(connection, name),
        lambda wait: log.info("retention: %s busy, detaching it again in %.0f s", name, wait),
    )
    _drop_detached(engine, name)
    log.info("retention: partition %s dropped (about %d events)", name, rows)
    return rows


def _detach(connection: Connection, partition: str) -> None:
    """Under the lock on `events` (with_events_locked): taken before the position is read, so no insert can
    add a later one in between."""
    # The name comes from the catalog (partitions()); quoted all the same, whoever made the partition.
    name = connection.dialect.identifier_preparer.quote(partition)
    last = connection.execute(
        text(f"SELECT feed_xact, id FROM {name} ORDER BY feed_xact DESC, id DESC LIMIT 1")  # noqa: S608
    ).first()
    if last is not None:
        raise_feed_horizon(connection, (int(last[0]), int(last[1])))
    connection.execute(text(f"ALTER TABLE {PARENT} DETACH PARTITION {name}"))


def _drop_detached(engine: Engine, table: str) -> None:
    """Drop a table no longer attached to `events`: its lock and its files' unlinking hold nobody up."""
    with engine.begin() as connection:
        name = connection.dialect.identifier_preparer.quote(table)
        connection.execute(text(f"DROP TABLE IF EXISTS {name}"))


def _left_detached(connection: Connection, cutoff: datetime) -> list[str]:
    """Tables named like partitions of `events` that are none (any more), all of whose rows were older than
    `cutoff`: what a run stopped between detaching and dropping left. A partition is only ever created
    attached, in one transaction (app/core/partitions.py), so a table so named outside is such a leftover."""
    names = connection.scalars(
        text(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND NOT relispartition "
            "AND relnamespace = current_schema()::regnamespace AND starts_with(relname, :prefix)"
        ),
        {"prefix": NAME_PREFIX},
    )
    return [name for name in names if (until := held_at_most_until(name)) is not None and until <= cutoff]


def _rows(connection: Connection, partition: str) -> int:
    """The partition's rows as the statistics know them (no scan); counted if it was never analyzed."""
    name = connection.dialect.identifier_preparer.quote(partition)
    estimate = connection.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:n)"), {"n": name}
    )
    if estimate is not None and estimate >= 0:
        return int(estimate)
    return int(connection.scalar(text(f"SELECT count(*) FROM {name}")) or 0)  # noqa: S608
