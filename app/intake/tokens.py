"""One signature token, one delivery, across every database (app/core/models/tokens.py says why).

Without `DATABASE_URL_EU` there is one database and `inbox`'s unique token is the whole rule. With it, a
writer takes each delivery's token in the primary database's registry:
- the primary database's own writer takes it in the statement that inserts the row, so a token is never taken
  without its row, nor a row written without its token;
- another database's writer takes it in the primary database first and writes its row only for tokens it may
  write: taken now, or taken for the same database before (a write that failed after the take, answered 503
  and retried by Mailgun). Taking first means a crash between the two writes can never let a replay through,
  and never loses the delivery either: its retry comes to the same URL, so to the same database.
A token taken for another database is a replay, answered as a replay is in one database: already stored.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import psycopg_pool
from sqlalchemy import Connection, Engine, exists, literal, select

from app.core.db import insert_ignoring_conflicts
from app.core.models.inbox import InboxRow
from app.core.models.tokens import SignatureToken
from app.intake.group_commit import DEFAULT_COMMITTERS
from app.intake.pool import CHECKOUT_TIMEOUT_SECONDS, conninfo_of, open_pool
from app.intake.statements import take_statement

registry = SignatureToken.__table__
inbox = InboxRow.__table__


class Taker(Protocol):
    """Takes tokens in the registry for a database other than the registry's own."""

    def may_write(self, tokens: Sequence[str]) -> set[str]: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class TokenRule:
    """How a database's inbox writer keeps tokens unique across databases: `taker` is None for the database
    that keeps the registry (it takes tokens in its own insert)."""

    store: str
    taker: Taker | None = None


def take_here(connection: Connection, token: str, store: str) -> bool:
    """In the registry's own database, in the transaction that inserts the row: True if the token was free."""
    statement = insert_ignoring_conflicts(registry, connection.engine).values(token=token, store=store)
    return connection.execute(statement.returning(registry.c.token)).first() is not None


def may_write_elsewhere(connection: Connection, token: str, store: str) -> bool:
    """`take_statement`'s rule for one token, on any backend."""
    kept_here = exists().where(inbox.c.token == token)
    free = select(literal(token), literal(store)).where(~kept_here)
    statement = insert_ignoring_conflicts(registry, connection.engine).from_select(["token", "store"], free)
    if connection.execute(statement.returning(registry.c.token)).first() is not None:
        return True
    taken_for = connection.scalar(select(registry.c.store).where(registry.c.token == token))
    return taken_for == store and not connection.scalar(select(kept_here))


class EngineTaker:
    """Takes tokens through SQLAlchemy: a SQLite primary database (or tests holding an engine)."""

    def __init__(self, engine: Engine, store: str) -> None:
        self._engine, self._store = engine, store

    def may_write(self, tokens: Sequence[str]) -> set[str]:
        with self._engine.begin() as connection:
            return {token for token in set(tokens) if may_write_elsewhere(connection, token, self._store)}

    def close(self) -> None:
        """Nothing to release: the engine belongs to the process."""


class PostgresTaker:
    """Takes a batch's tokens in one statement on a pool of its own to the primary database, made lazily in
    each process like the inbox writer's (gunicorn forks after import)."""

    def __init__(self, database_url: str, store: str) -> None:
        self._conninfo = conninfo_of(database_url)
        self._store = store
        self._pool: psycopg_pool.ConnectionPool | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def may_write(self, tokens: Sequence[str]) -> set[str]:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pool, self._pid = (
                    open_pool(self._conninfo, DEFAULT_COMMITTERS + 1, "tokens"),
                    os.getpid(),
                )
            pool = self._pool
        with pool.connection(timeout=CHECKOUT_TIMEOUT_SECONDS) as conn:
            statement = take_statement(len(tokens))
            return {token for (token,) in conn.execute(statement, [*tokens, self._store], prepare=True)}

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
            self._pool = None


def taker_for(database_url: str, engine: Engine, store: str) -> Taker:
    """The taker for writers of database `store`, given the registry's database (the primary one)."""
    if database_url.startswith("postgresql"):
        return PostgresTaker(database_url, store)
    return EngineTaker(engine, store)
