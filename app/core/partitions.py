"""`events`' partitions on Postgres: which exist, creating those ahead, and what the default one holds.

`events` is range-partitioned on `occurred_at` (migrations/versions/0015_partitioned_events.py) into the
periods of app/core/partition_periods.py, plus a DEFAULT partition that catches an event no period covers
(a time far in the past or future), so that no insert ever fails for want of a partition. Beat and
`mailhook db upgrade` create the current and the next period ahead of time.

A new partition is created as a table of its own and then ATTACHed: attaching locks the parent only in SHARE
UPDATE EXCLUSIVE mode, which neither the intake, the drain nor the API's reads wait for (CREATE TABLE ...
PARTITION OF would take it exclusively). Rows the default partition already holds for the new range are
moved into the new table in the same transaction, so the attach can succeed and no reader ever sees them
twice or not at all. SQLite has no partitions: every function here answers as for an unpartitioned table.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import NamedTuple
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, text

from app.core.partition_periods import (
    DEFAULT_PARTITION,
    PARENT,
    Range,
    ahead,
    gaps,
    newest_unbroken,
    partition_name,
)
from app.core.reading import Reading

log = logging.getLogger(__name__)

_BOUND = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")
# How many rows of the default partition `mailhook check` counts at most before saying "at least".
DEFAULT_ROWS_COUNTED = 10_000
# How long a process trusts what it read of the partitions' bounds, which shape its reads of `events`
# (app/core/event_order.py). Stale bounds never change an answer, only how fast it comes: after a partition
# is created or dropped, reads are planned the slower way for at most this long.
COVERED_SECONDS = 60.0
# By engine, weakly: an engine disposed and dropped (tests make one per database) takes its reading with it.
_covered: WeakKeyDictionary[Engine, Reading[tuple[Range | None]]] = WeakKeyDictionary()


class Partition(NamedTuple):
    name: str
    range: Range | None  # None: the default partition


def is_partitioned(connection: Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    kind = connection.scalar(
        text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:table)"), {"table": PARENT}
    )
    return kind == "p"


def partitions(connection: Connection) -> list[Partition]:
    """Every partition of `events`, oldest range first, the default last; [] when not partitioned."""
    if not is_partitioned(connection):
        return []
    rows = connection.execute(
        text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(:table)"
        ),
        {"table": PARENT},
    ).all()
    found = [Partition(name, _range(bound)) for name, bound in rows]
    ranged = sorted((p for p in found if p.range is not None), key=lambda p: p.range or ())
    return ranged + [p for p in found if p.range is None]


def covered_range(connection: Connection) -> Range | None:
    """The newest unbroken stretch of time `events`' ranged partitions cover, as this process read it at most
    COVERED_SECONDS ago from the connection's database; None on SQLite or an unpartitioned table."""
    reading = _covered.setdefault(connection.engine, Reading(COVERED_SECONDS))
    return reading.read(lambda: (newest_unbroken(p.range for p in partitions(connection) if p.range),))[0]


def _range(bound: str) -> Range | None:
    match = _BOUND.search(bound)
    if match is None:
        return None  # DEFAULT
    return Range(*(datetime.fromisoformat(value).astimezone(UTC) for value in match.groups()))


def create_partitions(connection: Connection, wanted: Range, period: str) -> list[str]:
    """Partitions for the parts of `wanted` not covered yet, in the caller's transaction; their names."""
    existing = [p.range for p in partitions(connection) if p.range is not None]
    created = []
    for piece in gaps(wanted, existing):
        name = partition_name(piece.lower, period)
        _attach_new(connection, name, piece)
        created.append(name)
    return created


def _attach_new(connection: Connection, name: str, piece: Range) -> None:
    # Every name here is made by partition_name (digits only) or fixed; the times are bound parameters.
    bounds = {"lower": piece.lower, "upper": piece.upper}
    connection.execute(text(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS)"))
    has_default = connection.scalar(
        text("SELECT to_regclass(:name) IS NOT NULL"), {"name": DEFAULT_PARTITION}
    )
    if has_default:
        # Column order is the parent's in both tables: the default was created PARTITION OF it.
        moved = connection.execute(
            text(
                f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} "  # noqa: S608 - fixed names
                "WHERE occurred_at >= :lower AND occurred_at < :upper RETURNING *) "
                f"INSERT INTO {name} SELECT * FROM moved"
            ),
            bounds,
        ).rowcount
        if moved:
            log.info("partitions: %d events moved from the default partition into %s", moved, name)
    # DDL takes no parameters: the bounds are ISO times this module formats (digits, '-', ':', 'T', '+').
    lower, upper = piece.lower.isoformat(), piece.upper.isoformat()
    connection.execute(
        text(f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM ('{lower}') TO ('{upper}')")
    )


def ensure_ahead(engine: Engine, period: str, now: datetime | None = None) -> list[str]:
    """The current and the next period's partitions, each created in a transaction of its own if missing;
    the names created. Nothing on SQLite or on an unpartitioned table."""
    created: list[str] = []
    for wanted in ahead(now or datetime.now(UTC), period):
        with engine.begin() as connection:
            if not is_partitioned(connection):
                return created
            created += create_partitions(connection, wanted, period)
    return created


def default_rows(connection: Connection) -> int:
    """How many rows the default partition holds, counted up to DEFAULT_ROWS_COUNTED; 0 when unpartitioned."""
    if not is_partitioned(connection):
        return 0
    return int(
        connection.scalar(
            text(f"SELECT count(*) FROM (SELECT 1 FROM {DEFAULT_PARTITION} LIMIT :cap) AS held"),  # noqa: S608
            {"cap": DEFAULT_ROWS_COUNTED},
        )
        or 0
    )
