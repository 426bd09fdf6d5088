"""Storing normalized events, for the drain and the Events API poller alike.

One path for both sources, so an event the poller finds after its webhook was stored (or the other way round)
lands on the same unique key and is kept once, and only an event new to the table plans its sync actions.

On Postgres a batch is COPYed into a session-local staging table and moved with one
`INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`: one statement to parse however large the batch,
where a multi-row VALUES insert made the driver split a megabyte of SQL per batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import orjson
from psycopg.rows import namedtuple_row
from psycopg.types.json import Jsonb
from sqlalchemy import JSON, Connection

from app.db import insert_ignoring_conflicts
from app.metrics import EVENTS_STORED
from app.models import Event
from app.settings import Settings
from workers.effects import EFFECT_COLUMNS, effect_columns, plan_effects

STAGING = "events_staging"
JSON_COLUMNS = frozenset(c.name for c in Event.__table__.c if isinstance(c.type, JSON))


def store_events(connection: Connection, rows: Sequence[dict[str, Any]], settings: Settings) -> int:
    """Insert event rows, skipping those already stored, and plan the new ones' effects in the caller's
    transaction (no event without its actions); the number of rows inserted."""
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":
        inserted = _copy_and_insert(connection, rows)
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


def _copy_and_insert(connection: Connection, rows: Sequence[dict[str, Any]]) -> list[Any]:
    columns = list(rows[0])
    names = ", ".join(columns)
    # The SQLAlchemy connection's own psycopg connection: same transaction, all or nothing.
    raw = connection.connection.driver_connection
    assert raw is not None, "a live connection inside the caller's transaction"
    with raw.cursor(row_factory=namedtuple_row) as cursor:
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
        cursor.execute(f"TRUNCATE {STAGING}")
    return inserted


def _value(column: str, value: Any) -> Any:
    if column in JSON_COLUMNS and value is not None:
        return Jsonb(value, dumps=_dumps)
    return value


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()
