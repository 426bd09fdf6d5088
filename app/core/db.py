"""Engine and session factory shared by web and workers, plus the few dialect differences we rely on.

Postgres is the production store; SQLite is the embedded default. Both speak `INSERT ... ON CONFLICT DO
NOTHING`, which is how every duplicate (retries, replays, overlapping polls) is absorbed.

Two engines per database at most: the database's own, for every write and every read that must see them,
and its streaming replica's (`DATABASE_URL_READ`, `DATABASE_URL_EU_READ`), for the API's and the dashboard's
reads that may lag behind by the replica's replay delay. Which read is which is decided in one place per
face: `Scope.engine` / `Scope.read_engine` (app/api/scope.py) and `Services.read_databases()` for the
dashboard. Replica sessions are read-only, so a write sent there by mistake fails instead of landing in a
database that could be promoted, or on a primary a replica URL was pointed at.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from app.core.settings import Settings
from app.core.stores import Store, store_for_region, stores

# Bounds that keep one stuck query from holding a web thread or a lock for long.
STATEMENT_TIMEOUT_MS = 15_000
LOCK_TIMEOUT_MS = 5_000

_engines: dict[tuple[str, bool], Engine] = {}
_engines_lock = threading.Lock()


def sqlalchemy_url(database_url: str) -> str:
    """Our settings speak `postgresql://`; SQLAlchemy needs the driver named to pick psycopg 3."""
    if database_url.startswith("postgresql://"):
        return "postgresql+psycopg://" + database_url[len("postgresql://") :]
    return database_url


def make_engine(
    database_url: str, *, pool_size: int = 5, max_overflow: int = 10, read_only: bool = False
) -> Engine:
    url = sqlalchemy_url(database_url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    options = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS}"
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        # No pre-ping: it costs a round trip per checkout on the hot path. A connection found dead fails its
        # request (503, so Mailgun retries) and SQLAlchemy then invalidates the whole pool.
        pool_pre_ping=False,
        pool_recycle=1800,
        pool_timeout=5,
        connect_args={
            "connect_timeout": 5,
            "options": options + (" -c default_transaction_read_only=on" if read_only else ""),
            "application_name": "mailhook-read" if read_only else "mailhook",
        },
    )


def _sqlite_engine(url: str) -> Engine:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # One connection per checkout: SQLite serialises writers anyway, and WAL lets readers go on meanwhile.
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def get_engine(settings: Settings) -> Engine:
    """The primary database's engine (the only one unless DATABASE_URL_EU is set)."""
    return engine_for_url(settings.database_url)


def region_engine(settings: Settings, region: str | None) -> Engine:
    """The engine of the database that keeps this region's data (app/core/stores.py)."""
    return engine_for_url(store_for_region(settings, region).url)


def region_read_engine(settings: Settings, region: str | None) -> Engine:
    """The engine for reads of this region's data that may lag behind its writes: the replica of the
    region's database when one is set, else that database's own engine."""
    return read_engine_of(store_for_region(settings, region))


def store_engines(settings: Settings) -> list[tuple[Store, Engine]]:
    """Every database with its engine, the primary one first (one only unless DATABASE_URL_EU is set)."""
    return [(store, engine_for_url(store.url)) for store in stores(settings)]


def store_read_engines(settings: Settings) -> list[tuple[Store, Engine]]:
    """Every database with the engine of its replica where it has one, the primary database first."""
    return [(store, read_engine_of(store)) for store in stores(settings)]


def read_engine_of(store: Store) -> Engine:
    if store.read_url is None:
        return engine_for_url(store.url)
    return engine_for_url(store.read_url, read_only=True)


def engine_for_url(database_url: str, *, read_only: bool = False) -> Engine:
    """One engine per database URL (and role) per process (gunicorn and Celery fork after import, not before
    use). `read_only`: every transaction is read-only, as on a replica."""
    with _engines_lock:
        engine = _engines.get((database_url, read_only))
        if engine is None:
            engine = make_engine(database_url, read_only=read_only)
            _engines[(database_url, read_only)] = engine
        return engine


def dispose_engines() -> None:
    """Drop pooled connections, e.g. in a freshly forked child."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose(close=False)
        _engines.clear()


def store_is_away(exc: BaseException) -> bool:
    """Whether an error says the store is down, busy or unreachable (a retry may succeed), rather than that
    it refused what it was given. psycopg's own errors count too: the COPY paths use its cursor directly."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    away = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)
    return isinstance(exc, (*away, psycopg.OperationalError, psycopg.InterfaceError))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One transaction at the edge: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for reads, ended with COMMIT instead of the pool's ROLLBACK on the way back. psycopg
    forgets every statement it prepared on a connection at each rollback, so reads ended by the pool are
    parsed and planned afresh every time; committed, a statement a connection runs often is prepared after
    its fifth run (psycopg's threshold), and Postgres then plans it once. Planning a page of events over 62
    partitions costs 15 ms, more than reading it (bench/scale.py). An error still ends in a rollback."""
    with engine.connect() as connection:
        yield connection
        connection.commit()


def insert_ignoring_conflicts(table: Any, engine_or_dialect: Any) -> Any:
    """An INSERT that skips rows whose unique key already exists, in the engine's dialect."""
    name = getattr(getattr(engine_or_dialect, "dialect", engine_or_dialect), "name", engine_or_dialect)
    dialect_insert = postgresql.insert if name == "postgresql" else sqlite.insert
    return dialect_insert(table).on_conflict_do_nothing()


def upsert(
    table: Any,
    engine_or_dialect: Any,
    key: list[str],
    row: dict[str, Any],
    *,
    where: Any = None,
    updates: Callable[[Any], dict[str, Any]] | None = None,
) -> Any:
    """INSERT the row, or UPDATE the one holding its key (only where `where` holds), in the dialect: to the
    row's values, or to what `updates` makes of the values proposed (the statement's `excluded`)."""
    name = getattr(getattr(engine_or_dialect, "dialect", engine_or_dialect), "name", engine_or_dialect)
    dialect_insert = postgresql.insert if name == "postgresql" else sqlite.insert
    statement = dialect_insert(table).values(row)
    updated = (
        updates(statement.excluded)
        if updates is not None
        else {column: statement.excluded[column] for column in row if column not in key}
    )
    return statement.on_conflict_do_update(index_elements=key, set_=updated, where=where)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
