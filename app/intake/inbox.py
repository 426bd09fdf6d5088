"""Writing deliveries to the inbox: the 200 waits for this commit, so it is the hot path of the service.

On Postgres, deliveries arriving together are group-committed (app/intake/group_commit.py): one prepared
multi-row `INSERT ... ON CONFLICT DO NOTHING RETURNING token` on an autocommit connection from a psycopg pool,
durable
when it returns, with no BEGIN/COMMIT or pool-reset round trips. The statement is written with PostgreSQL's
own `$n` placeholders and sent through psycopg's raw cursor: psycopg rewrites `%s` statements with up to 50
parameters once and caches them, but rewrites longer ones (a batch of six rows and more) on every call.
SQLite (the embedded default) goes through SQLAlchemy, one delivery per transaction.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

import orjson
import psycopg
import psycopg_pool
from psycopg.types.json import Jsonb
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.core.db import LOCK_TIMEOUT_MS, STATEMENT_TIMEOUT_MS, insert_ignoring_conflicts
from app.core.models.inbox import InboxRow
from app.intake.delivery import Delivery
from app.intake.group_commit import DEFAULT_COMMITTERS, MAX_BATCH, GroupCommitter

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
# Waiting longer than this for a connection means the database is in trouble: answer 503, Mailgun retries.
CHECKOUT_TIMEOUT_SECONDS = 3.0
# A request waits at most this long for the batch carrying its row (queueing + checkout + statement).
WRITE_TIMEOUT_SECONDS = 10.0


class StoreUnavailable(Exception):
    """The inbox could not be written; the delivery must be answered 503 so Mailgun retries it."""


class InboxWriter(Protocol):
    def store(self, delivery: Delivery) -> bool: ...

    def close(self) -> None: ...


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
    """A psycopg pool and a group committer, made lazily in each process (gunicorn forks after import)."""

    def __init__(
        self,
        database_url: str,
        group_commit: bool = True,
        threads: int = 8,
        committers: int = DEFAULT_COMMITTERS,
    ) -> None:
        self._conninfo = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        self._group_commit = group_commit
        self._threads = threads
        self._committers = committers
        self._pool: psycopg_pool.ConnectionPool | None = None
        self._committer: Submitter | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def store(self, delivery: Delivery) -> bool:
        values = inbox_values(delivery)
        values["headers"] = Jsonb(values["headers"], dumps=orjson.dumps)
        try:
            return self._process_local().submit([values[c] for c in COLUMNS], timeout=WRITE_TIMEOUT_SECONDS)
        except (psycopg.Error, psycopg_pool.PoolTimeout, TimeoutError) as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    def close(self) -> None:
        """Release the pool's connections (a later store opens a new one)."""
        with self._lock:
            if self._pool is not None:
                self._pool.close()
            self._pool, self._committer = None, None

    def _write_batch(self, rows: Sequence[list[Any]]) -> list[bool]:
        assert self._pool is not None
        statement = insert_statement(len(rows))
        with self._pool.connection(timeout=CHECKOUT_TIMEOUT_SECONDS) as conn:
            inserted = {
                token for (token,) in conn.execute(statement, [v for row in rows for v in row], prepare=True)
            }
        return first_claims([row[0] for row in rows], inserted)

    def _process_local(self) -> Submitter:
        if self._committer is None or self._pid != os.getpid():
            with self._lock:
                if self._committer is None or self._pid != os.getpid():
                    self._pool = self._open()
                    self._committer = (
                        GroupCommitter(self._write_batch, committers=self._committers)
                        if self._group_commit
                        else DirectWriter(self._write_batch)
                    )
                    self._pid = os.getpid()
        return self._committer

    def _open(self) -> psycopg_pool.ConnectionPool:
        options = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS}"
        return psycopg_pool.ConnectionPool(
            self._conninfo,
            min_size=1,
            max_size=self._committers + 1 if self._group_commit else self._threads,
            open=True,
            name="inbox",
            kwargs={
                "autocommit": True,
                "connect_timeout": 5,
                "options": options,
                "application_name": "mailhook-intake",
                "cursor_factory": psycopg.RawCursor,  # $n placeholders, see the module's docstring
            },
            reconnect_timeout=0,
        )


class Submitter(Protocol):
    def submit(self, item: list[Any], timeout: float) -> bool: ...


class DirectWriter:
    """Each request writes its own row: the comparison point for group commit (MAILHOOK_GROUP_COMMIT=0)."""

    def __init__(self, write: Callable[[Sequence[list[Any]]], list[bool]]) -> None:
        self._write = write

    def submit(self, item: list[Any], timeout: float) -> bool:
        return self._write([item])[0]


@lru_cache(maxsize=MAX_BATCH)
def insert_statement(rows: int) -> bytes:
    width = len(COLUMNS)
    placeholders = [f"${n + 1}" for n in range(rows * width)]
    values = ", ".join(f"({', '.join(placeholders[row * width : (row + 1) * width])})" for row in range(rows))
    return (
        f"INSERT INTO inbox ({', '.join(COLUMNS)}) VALUES {values} "  # noqa: S608 - placeholders only
        "ON CONFLICT (token) DO NOTHING RETURNING token"
    ).encode()


def first_claims(tokens: Sequence[str], inserted: set[str]) -> list[bool]:
    """Which requests stored their row: the first of a batch to carry an inserted token; repeats did not."""
    seen: set[str] = set()
    outcomes = []
    for token in tokens:
        outcomes.append(token in inserted and token not in seen)
        seen.add(token)
    return outcomes


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

    def close(self) -> None:
        """Nothing to release: the engine belongs to the process."""


def inbox_writer(
    database_url: str,
    engine: Engine,
    group_commit: bool = True,
    threads: int = 8,
    committers: int = DEFAULT_COMMITTERS,
) -> InboxWriter:
    if database_url.startswith("postgresql"):
        return PostgresInboxWriter(database_url, group_commit, threads, committers)
    return SqlAlchemyInboxWriter(engine)


def store_delivery(engine: Engine, delivery: Delivery) -> bool:
    """Store through SQLAlchemy on any backend: for tests and tools that hold an engine."""
    return SqlAlchemyInboxWriter(engine).store(delivery)
