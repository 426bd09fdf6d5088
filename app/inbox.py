"""Writing deliveries to the inbox: the 200 waits for this commit, so it is the hot path of the service.

On Postgres each delivery is one prepared `INSERT ... ON CONFLICT DO NOTHING RETURNING` on an autocommit
connection from a psycopg pool: one round trip, durable when it returns, no BEGIN/COMMIT or pool reset
round trips. SQLite (the embedded default) goes through SQLAlchemy.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg
import psycopg_pool
from psycopg.types.json import Jsonb
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.db import LOCK_TIMEOUT_MS, STATEMENT_TIMEOUT_MS, insert_ignoring_conflicts
from app.delivery import Delivery
from app.models import InboxRow

COLUMNS = (
    "token",
    "kind",
    "route",
    "content_type",
    "body",
    "headers",
    "region_hint",
    "domain_hint",
    "signed_at",
    "request_id",
)
INSERT_SQL = (
    f"INSERT INTO inbox ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "  # noqa: S608
    "ON CONFLICT (token) DO NOTHING RETURNING id"
)
# Waiting longer than this for a connection means the database is in trouble: answer 503, Mailgun retries.
CHECKOUT_TIMEOUT_SECONDS = 3.0


class StoreUnavailable(Exception):
    """The inbox could not be written; the delivery must be answered 503 so Mailgun retries it."""


class InboxWriter(Protocol):
    def store(self, delivery: Delivery) -> bool: ...


def inbox_values(delivery: Delivery) -> dict[str, Any]:
    signed = delivery.signed
    assert signed is not None, "only verified deliveries are stored"
    return {
        "token": signed.token,
        "kind": delivery.kind,
        "route": delivery.route,
        "content_type": delivery.content_type,
        "body": delivery.body,
        "headers": delivery.headers,
        "region_hint": delivery.region_hint,
        "domain_hint": delivery.domain_hint,
        "signed_at": datetime.fromtimestamp(float(signed.timestamp), UTC),
        "request_id": delivery.request_id,
    }


class PostgresInboxWriter:
    """A psycopg pool opened lazily in each process (gunicorn forks after the app is imported)."""

    def __init__(self, database_url: str, max_connections: int) -> None:
        self._conninfo = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        self._max = max_connections
        self._pool: psycopg_pool.ConnectionPool | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def store(self, delivery: Delivery) -> bool:
        values = inbox_values(delivery)
        values["headers"] = Jsonb(values["headers"])
        try:
            with self._connections().connection(timeout=CHECKOUT_TIMEOUT_SECONDS) as conn:
                row = conn.execute(INSERT_SQL, [values[c] for c in COLUMNS], prepare=True).fetchone()
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        return row is not None

    def _connections(self) -> psycopg_pool.ConnectionPool:
        if self._pool is None or self._pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pid != os.getpid():
                    self._pool, self._pid = self._open(), os.getpid()
        return self._pool

    def _open(self) -> psycopg_pool.ConnectionPool:
        options = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS}"
        return psycopg_pool.ConnectionPool(
            self._conninfo,
            min_size=1,
            max_size=self._max,
            open=True,
            name="inbox",
            kwargs={
                "autocommit": True,
                "connect_timeout": 5,
                "options": options,
                "application_name": "mailhook-intake",
            },
            reconnect_timeout=0,
        )


class SqlAlchemyInboxWriter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def store(self, delivery: Delivery) -> bool:
        table = InboxRow.__table__
        statement = insert_ignoring_conflicts(table, self._engine).values(**inbox_values(delivery))
        try:
            with self._engine.begin() as connection:
                return connection.execute(statement.returning(table.c.id)).first() is not None
        except SQLAlchemyError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc


def inbox_writer(database_url: str, engine: Engine, max_connections: int) -> InboxWriter:
    if database_url.startswith("postgresql"):
        return PostgresInboxWriter(database_url, max_connections)
    return SqlAlchemyInboxWriter(engine)


def store_delivery(engine: Engine, delivery: Delivery) -> bool:
    """Store through SQLAlchemy on any backend: for tests and tools that hold an engine."""
    return SqlAlchemyInboxWriter(engine).store(delivery)
