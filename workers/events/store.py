"""Storing normalized events, for the drain and the Events API poller alike.

One path for both sources, so an event the poller finds after its webhook was stored (or the other way round)
lands on the same unique key and is kept once, and only an event new to the table plans its sync actions.

On Postgres a batch of new events is COPYed straight into `events`, with ids taken from the sequence
beforehand, inside a savepoint. A batch holding an event already stored (a Mailgun retry, a poll overlapping
the webhooks) fails that COPY on the unique key; it is then COPYed into a session-local staging table and
moved with one `INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`, which skips what is stored. Most
batches are all new, and the direct COPY costs about half of the staging path.
"""

from __future__ import annotations

from collections import Counter, namedtuple
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import JSON, Connection

from app.core import json_text
from app.core.db import insert_ignoring_conflicts
from app.core.metrics import EVENTS_STORED
from app.core.models.events import Event
from app.core.settings import Settings
from workers.sync.effects import EFFECT_COLUMNS, effect_columns, plan_effects

STAGING = "events_staging"
# What a newly stored event looks like to plan_effects, whichever path stored it.
_Inserted = namedtuple("_Inserted", EFFECT_COLUMNS)  # type: ignore[misc]
JSON_COLUMNS = frozenset(c.name for c in Event.__table__.c if isinstance(c.type, JSON))


def store_events(
    connection: Connection, rows: Sequence[dict[str, Any]], settings: Settings, *, likely_new: bool = True
) -> int:
    """Insert event rows, skipping those already stored, and plan the new ones' effects in the caller's
    transaction (no event without its actions); the number of rows inserted. `likely_new=False` (a poll
    reading what webhooks may have brought) goes straight to the path that skips duplicates."""
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":
        inserted = (_copy_new(connection, rows) if likely_new else None) or _copy_and_insert(connection, rows)
    else:
        table = Event.__table__
        statement = insert_ignoring_conflicts(table, connection).returning(*effect_columns(table))
        inserted = list(connection.execute(statement, list(rows)).all())
    plan_effects(connection, inserted, settings)
    _count_stored(inserted)
    return len(inserted)


def _count_stored(inserted: Sequence[Any]) -> None:
    """Counted as inserted, before the caller commits: a batch that then rolls back is counted again on its
    retry, so the counter can run ahead of the table after a failure, never behind it."""
    # One increment per label set, not per row: each is a write to the process's metrics file.
    for (kind, region, source), n in Counter((row.type, row.region, row.source) for row in inserted).items():
        EVENTS_STORED.labels(kind, region, source).inc(n)


def _copy_new(connection: Connection, rows: Sequence[dict[str, Any]]) -> list[Any] | None:
    """COPY the rows straight into `events` and return them as inserted; None if one is already stored."""
    columns = list(rows[0])
    raw = _raw(connection)
    try:
        with connection.begin_nested(), raw.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('events', 'id')) FROM generate_series(1, %s)",
                (len(rows),),
            )
            ids = [event_id for (event_id,) in cursor.fetchall()]
            with cursor.copy(f"COPY events (id, {', '.join(columns)}) FROM STDIN") as copy:
                for event_id, row in zip(ids, rows, strict=True):
                    copy.write_row([event_id, *(_value(column, row[column]) for column in columns)])
    except psycopg.errors.UniqueViolation:
        return None  # the savepoint is rolled back: nothing of this attempt remains
    effects = EFFECT_COLUMNS[1:]
    return [
        _Inserted._make([event_id, *(row[c] for c in effects)])
        for event_id, row in zip(ids, rows, strict=True)
    ]


def _raw(connection: Connection) -> psycopg.Connection[Any]:
    # The SQLAlchemy connection's own psycopg connection: same transaction, all or nothing.
    raw = connection.connection.driver_connection
    assert raw is not None, "a live connection inside the caller's transaction"
    return raw


def _copy_and_insert(connection: Connection, rows: Sequence[dict[str, Any]]) -> list[Any]:
    columns = list(rows[0])
    names = ", ".join(columns)
    with _raw(connection).cursor(row_factory=namedtuple_row) as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} ON COMMIT DELETE ROWS AS "  # noqa: S608 - our names
            f"SELECT {', '.join(Event.__table__.c.keys())} FROM events WITH NO DATA"
        )
        with cursor.copy(f"COPY {STAGING} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_value(column, row[column]) for column in columns])
        cursor.execute(
            f"INSERT INTO events ({names}) SELECT {names} FROM {STAGING} "  # noqa: S608 - our names
            f"ON CONFLICT DO NOTHING RETURNING {', '.join(EFFECT_COLUMNS)}"
        )
        inserted = cursor.fetchall()
        # Emptied for a second batch in the same transaction; the commit empties it anyway (ON COMMIT DELETE
        # ROWS). DELETE, not TRUNCATE: a TRUNCATE gives the table a new file and a catalog update each time.
        cursor.execute(f"DELETE FROM {STAGING}")  # noqa: S608 - our names
    return inserted


def _value(column: str, value: Any) -> Any:
    # COPY's text format takes a JSON column's text as is: no Jsonb wrapper and dumper per value.
    if column in JSON_COLUMNS and value is not None:
        return json_text.dumps(value)
    return value
