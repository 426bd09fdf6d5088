"""Writing deliveries to the inbox: the 200 waits for this commit, so it is the hot path of the service.

On Postgres, deliveries arriving together are group-committed (app/intake/group_commit.py): one prepared
multi-row `INSERT ... ON CONFLICT DO NOTHING RETURNING token` on an autocommit connection from a psycopg pool,
durable
when it returns, with no BEGIN/COMMIT or pool-reset round trips. The statement is written with PostgreSQL's
own `$n` placeholders and sent through psycopg's raw cursor: psycopg rewrites `%s` statements with up to 50
parameters once and caches them, but rewrites longer ones (a batch of six rows and more) on every call.
SQLite (the embedded default) goes through SQLAlchemy, one delivery per transaction.

With a database per region, each writer also keeps every signature token unique across the databases
(app/intake/tokens.py): in the primary database in the same statement, elsewhere by taking the batch's tokens
in the primary database before its insert.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
import psycopg
import psycopg_pool
from psycopg.types.json import Jsonb
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.core.db import insert_ignoring_conflicts
from app.core.models.inbox import InboxRow
from app.intake.delivery import Delivery
from app.intake.group_commit import DEFAULT_COMMITTERS, GroupCommitter
from app.intake.pool import CHECKOUT_TIMEOUT_SECONDS, conninfo_of, open_pool
from app.intake.statements import COLUMNS, insert_statement, take_and_insert_statement
from app.intake.tokens import TokenRule, take_here

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
        tokens: TokenRule | None = None,
        committers: int = DEFAULT_COMMITTERS,
    ) -> None:
        self._conninfo = conninfo_of(database_url)
        self._group_commit = group_commit
        self._committers = committers
        self._tokens = tokens
        self._threads = threads
        self._pool: psycopg_pool.ConnectionPool | None = None
        self._committer: Submitter | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def store(self, delivery: Delivery) -> bool:
        values = inbox_values(delivery)
        values["headers"] = Jsonb(values["headers"], dumps=orjson.dumps)
        try:
            return self._process_local().submit([values[c] for c in COLUMNS], timeout=WRITE_TIMEOUT_SECONDS)
        except (psycopg.Error, psycopg_pool.PoolTimeout, TimeoutError, SQLAlchemyError) as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    def close(self) -> None:
        """Release the pools' connections (a later store opens new ones)."""
        with self._lock:
            if self._pool is not None:
                self._pool.close()
            self._pool, self._committer = None, None
        if self._tokens is not None and self._tokens.taker is not None:
            self._tokens.taker.close()

    def _write_batch(self, rows: Sequence[list[Any]]) -> list[bool]:
        assert self._pool is not None
        tokens = [row[0] for row in rows]
        statement, params = self._statement(rows)
        if not statement:
            return [False] * len(rows)
        with self._pool.connection(timeout=CHECKOUT_TIMEOUT_SECONDS) as conn:
            inserted = {token for (token,) in conn.execute(statement, params, prepare=True)}
        return first_claims(tokens, inserted)

    def _statement(self, rows: Sequence[list[Any]]) -> tuple[bytes, list[Any]]:
        """The batch's statement and its parameters; empty when no row of it may be written."""
        rule = self._tokens
        if rule is not None and rule.taker is None:
            return take_and_insert_statement(len(rows)), [v for row in rows for v in row] + [rule.store]
        if rule is not None and rule.taker is not None:
            allowed = rule.taker.may_write([row[0] for row in rows])  # taken before the write, see tokens.py
            rows = [row for row in rows if row[0] in allowed]
            if not rows:
                return b"", []
        return insert_statement(len(rows)), [v for row in rows for v in row]

    def _process_local(self) -> Submitter:
        if self._committer is None or self._pid != os.getpid():
            with self._lock:
                if self._committer is None or self._pid != os.getpid():
                    max_size = self._committers + 1 if self._group_commit else self._threads
                    self._pool = open_pool(self._conninfo, max_size, "inbox")
                    self._committer = (
                        GroupCommitter(self._write_batch, committers=self._committers)
                        if self._group_commit
                        else DirectWriter(self._write_batch)
                    )
                    self._pid = os.getpid()
        return self._committer


class Submitter(Protocol):
    def submit(self, item: list[Any], timeout: float) -> bool: ...


class DirectWriter:
    """Each request writes its own row: the comparison point for group commit (MAILHOOK_GROUP_COMMIT=0)."""

    def __init__(self, write: Callable[[Sequence[list[Any]]], list[bool]]) -> None:
        self._write = write

    def submit(self, item: list[Any], timeout: float) -> bool:
        return self._write([item])[0]


def first_claims(tokens: Sequence[str], inserted: set[str]) -> list[bool]:
    """Which requests stored their row: the first of a batch to carry an inserted token; repeats did not."""
    seen: set[str] = set()
    outcomes = []
    for token in tokens:
        outcomes.append(token in inserted and token not in seen)
        seen.add(token)
    return outcomes


class SqlAlchemyInboxWriter:
    def __init__(self, engine: Engine, tokens: TokenRule | None = None) -> None:
        self._engine = engine
        self._tokens = tokens

    def store(self, delivery: Delivery) -> bool:
        table = InboxRow.__table__
        statement = insert_ignoring_conflicts(table, self._engine).values(**inbox_values(delivery))
        token, rule = delivery.signed.token if delivery.signed else "", self._tokens
        try:
            if rule is not None and rule.taker is not None and not rule.taker.may_write([token]):
                return False  # taken before the write, see app/intake/tokens.py
            with self._engine.begin() as connection:
                if rule is not None and rule.taker is None and not take_here(connection, token, rule.store):
                    return False
                return connection.execute(statement.returning(table.c.id)).first() is not None
        except (SQLAlchemyError, psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    def close(self) -> None:
        """Nothing of its own to release: the engine belongs to the process."""
        if self._tokens is not None and self._tokens.taker is not None:
            self._tokens.taker.close()


def inbox_writer(
    database_url: str,
    engine: Engine,
    group_commit: bool = True,
    threads: int = 8,
    tokens: TokenRule | None = None,
    committers: int = DEFAULT_COMMITTERS,
) -> InboxWriter:
    if database_url.startswith("postgresql"):
        return PostgresInboxWriter(database_url, group_commit, threads, tokens, committers)
    return SqlAlchemyInboxWriter(engine, tokens)


def store_delivery(engine: Engine, delivery: Delivery) -> bool:
    """Store through SQLAlchemy on any backend: for tests and tools that hold an engine."""
    return SqlAlchemyInboxWriter(engine).store(delivery)
