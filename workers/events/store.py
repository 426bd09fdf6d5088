"""Inserting normalized events into `events`, skipping those already stored; what was inserted, returned.

One path for every source (workers/events/record.py calls it for the drain and the poller alike), so an event
the poller finds after its webhook was stored (or the other way round) lands on the same unique key and is
kept once. What a new event then causes is not decided here: the caller gets the inserted rows back.

On Postgres a batch of new events is COPYed straight into `events`, with ids taken from the sequence
beforehand, inside a savepoint. A batch holding an event already stored (a Mailgun retry, a poll overlapping
the webhooks) fails that COPY on the unique key; it is then COPYed into a session-local staging table and
moved with one `INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`, which skips what is stored. Most
batches are all new, and the direct COPY costs about half of the staging path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any, NamedTuple

import psycopg
from sqlalchemy import JSON, Connection

from app.core import json_text
from app.core.db import insert_ignoring_conflicts
from app.core.models.events import Event

STAGING = "events_staging"
JSON_COLUMNS = frozenset(c.name for c in Event.__table__.c if isinstance(c.type, JSON))


class StoredEvent(NamedTuple):
    """An event as this insert reports it, whichever path inserted it: its new id and the facts that what
    follows a new event (its sync actions, the stored-events counter) reads."""

    id: int
    mailgun_event_id: str
    occurred_at: datetime
    type: str
    region: str
    source: str
    domain: str | None
    recipient: str | None
    tags: Sequence[str]
    reason: str | None
    delivery_status: Mapping[str, Any] | None
    mailing_list: Mapping[str, Any] | None


STORED_COLUMNS = StoredEvent._fields


def store_events(
    connection: Connection, rows: Sequence[dict[str, Any]], *, likely_new: bool = True
) -> list[StoredEvent]:
    """Insert event rows in the caller's transaction, skipping those already stored; the rows inserted.
    `likely_new=False` (a poll reading what webhooks may have brought) goes straight to the path that skips
    duplicates."""
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        inserted = (_copy_new(connection, rows) if likely_new else None) or _copy_and_insert(connection, rows)
    else:
        table = Event.__table__
        statement = insert_ignoring_conflicts(table, connection).returning(
            *(table.c[name] for name in STORED_COLUMNS)
        )
        inserted = list(connection.execute(statement, list(rows)).all())
    return [StoredEvent._make(row) for row in inserted]


def _copy_new(connection: Connection, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]] | None:
    """COPY the rows straight into `events` and return them as inserted (the STORED_COLUMNS of each); None if
    one is already stored."""
    columns = list(rows[0])
    json_at = [1 + i for i, column in enumerate(columns) if column in JSON_COLUMNS]
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
                    copy.write_row(_record(event_id, row, columns, json_at))
    except psycopg.errors.UniqueViolation:
        return None  # the savepoint is rolled back: nothing of this attempt remains
    facts = itemgetter(*STORED_COLUMNS[1:])
    return [(event_id, *facts(row)) for event_id, row in zip(ids, rows, strict=True)]


def _raw(connection: Connection) -> psycopg.Connection[Any]:
    # The SQLAlchemy connection's own psycopg connection: same transaction, all or nothing.
    raw = connection.connection.driver_connection
    assert raw is not None, "a live connection inside the caller's transaction"
    return raw


def _copy_and_insert(connection: Connection, rows: Sequence[dict[str, Any]]) -> list[Any]:
    columns = list(rows[0])
    names = ", ".join(columns)
    with _raw(connection).cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} ON COMMIT DELETE ROWS AS "  # noqa: S608 - our names
            f"SELECT {', '.join(Event.__table__.c.keys())} FROM events WITH NO DATA"
        )
        with cursor.copy(f"COPY {STAGING} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_value(column, row[column]) for column in columns])
        cursor.execute(
            f"INSERT INTO events ({names}) SELECT {names} FROM {STAGING} "  # noqa: S608 - our names
            f"ON CONFLICT DO NOTHING RETURNING {', '.join(STORED_COLUMNS)}"
        )
        inserted = cursor.fetchall()
        # Emptied for a second batch in the same transaction; the commit empties it anyway (ON COMMIT DELETE
        # ROWS). DELETE, not TRUNCATE: a TRUNCATE gives the table a new file and a catalog update each time.
        cursor.execute(f"DELETE FROM {STAGING}")  # noqa: S608 - our names
    return inserted


def _record(event_id: int, row: dict[str, Any], columns: list[str], json_at: list[int]) -> list[Any]:
    """The COPY record of one row: its values in `columns` order, the JSON ones (at `json_at`) as text.
    Worked out once a row, not once a value: this runs for every event the drain stores."""
    record = [event_id, *map(row.__getitem__, columns)]
    for i in json_at:
        if record[i] is not None:
            record[i] = json_text.dumps(record[i])
    return record


def _value(column: str, value: Any) -> Any:
    # COPY's text format takes a JSON column's text as is: no Jsonb wrapper and dumper per value.
    if column in JSON_COLUMNS and value is not None:
        return json_text.dumps(value)
    return value
