"""The intake's psycopg pools: autocommit connections with the database's timeouts, made in the process that
uses them (gunicorn forks after import)."""

from __future__ import annotations

import psycopg
import psycopg_pool

from app.core.db import LOCK_TIMEOUT_MS, STATEMENT_TIMEOUT_MS

# Waiting longer than this for a connection means the database is in trouble: answer 503, Mailgun retries.
CHECKOUT_TIMEOUT_SECONDS = 3.0


def open_pool(conninfo: str, max_size: int, name: str) -> psycopg_pool.ConnectionPool:
    options = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS}"
    return psycopg_pool.ConnectionPool(
        conninfo,
        min_size=1,
        max_size=max_size,
        open=True,
        name=name,
        kwargs={
            "autocommit": True,
            "connect_timeout": 5,
            "options": options,
            "application_name": "mailhook-intake",
            "cursor_factory": psycopg.RawCursor,  # $n placeholders, see app/intake/inbox.py
        },
        reconnect_timeout=0,
    )


def conninfo_of(database_url: str) -> str:
    """psycopg's spelling of a SQLAlchemy Postgres URL."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)
