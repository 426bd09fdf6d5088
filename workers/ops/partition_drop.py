"""Retention by partition: each partition of `events` wholly older than the cutoff, detached and dropped.

One short transaction per partition: it locks `events` (DETACH needs it exclusively, so it is taken first,
with a short lock timeout, rather than queued behind a long read with every other query queued behind
it), reads the greatest feed position the partition holds, raises the feed horizon to it, detaches and drops.
Taking the lock before reading the position means no insert can add a later one in between. Dropping costs
the same for a thousand rows or ten million, rewrites no index and leaves no dead rows behind. A lock not
had within the timeout is tried again a few times, then left to the next run.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from psycopg.errors import LockNotAvailable
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from app.core.partition_periods import PARENT, expired
from app.core.partitions import partitions
from workers.ops.feed_horizon import raise_feed_horizon

log = logging.getLogger(__name__)

DROP_LOCK_TIMEOUT = "500ms"  # under deadlock_timeout (1 s): in a lock cycle the drop gives up first
DROP_ATTEMPTS = 5
DROP_RETRY_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Dropped:
    partitions: int
    rows: int  # from the statistics (about), or counted when the partition was never analyzed


def drop_expired_partitions(engine: Engine, cutoff: datetime) -> Dropped:
    """Every partition of `events` wholly older than `cutoff`, dropped; nothing on SQLite or unpartitioned."""
    with engine.connect() as connection:
        found = partitions(connection)
    ranges = {p.range: p.name for p in found if p.range is not None}
    names = [ranges[r] for r in expired(list(ranges), cutoff)]
    rows = sum(_drop_with_retries(engine, name) for name in names)
    return Dropped(len(names), rows)


def _drop_with_retries(engine: Engine, name: str) -> int:
    # Before the lock: a partition never analyzed is counted, and a count of a day's rows takes a second or
    # more, which under the lock would hold every insert into and read of `events` up for as long.
    with engine.connect() as connection:
        rows = _rows(connection, name)
    for attempt in range(1, DROP_ATTEMPTS + 1):
        try:
            with engine.begin() as connection:
                _drop(connection, name, rows)
                return rows
        except OperationalError as exc:
            if not isinstance(exc.orig, LockNotAvailable) or attempt == DROP_ATTEMPTS:
                raise
            log.info("retention: %s busy, dropping it again in %.0f s", name, DROP_RETRY_SECONDS)
            time.sleep(DROP_RETRY_SECONDS)
    raise AssertionError("unreachable")


def _drop(connection: Connection, partition: str, rows: int) -> None:
    # The name comes from the catalog (partitions()); quoted all the same, whoever made the partition.
    name = connection.dialect.identifier_preparer.quote(partition)
    connection.execute(text(f"SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'"))
    connection.execute(text(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE"))
    last = connection.execute(
        text(f"SELECT feed_xact, id FROM {name} ORDER BY feed_xact DESC, id DESC LIMIT 1")  # noqa: S608
    ).first()
    if last is not None:
        raise_feed_horizon(connection, (int(last[0]), int(last[1])))
    connection.execute(text(f"ALTER TABLE {PARENT} DETACH PARTITION {name}"))
    connection.execute(text(f"DROP TABLE {name}"))
    log.info("retention: partition %s dropped (about %d events)", partition, rows)


def _rows(connection: Connection, partition: str) -> int:
    """The partition's rows as the statistics know them (no scan); counted if it was never analyzed."""
    name = connection.dialect.identifier_preparer.quote(partition)
    estimate = connection.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:n)"), {"n": name}
    )
    if estimate is not None and estimate >= 0:
        return int(estimate)
    return int(connection.scalar(text(f"SELECT count(*) FROM {name}")) or 0)  # noqa: S608
