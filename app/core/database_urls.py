"""The database URL settings: the primary database, the EU region's own, and a streaming replica of each for
reads. Pure: the standard library only; `app/core/settings.py` turns a `DatabaseUrlError` into its own
one-line error.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

DEFAULT_SQLITE_PATH = Path("var") / "mailhook.sqlite3"
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_SQLITE_PATH}"


class DatabaseUrlError(ValueError):
    """A database URL that cannot be used; the message names the variable, never the URL (it may hold a
    password)."""


def database_url(env: Mapping[str, str]) -> str:
    return checked_database_url("DATABASE_URL", env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL)


def database_url_eu(env: Mapping[str, str]) -> str | None:
    raw = env.get("DATABASE_URL_EU", "").strip()
    if not raw:
        return None
    url = checked_database_url("DATABASE_URL_EU", raw)
    if url == database_url(env):
        raise DatabaseUrlError("DATABASE_URL_EU must name another database than DATABASE_URL")
    return url


def replica_url(env: Mapping[str, str], name: str, of: str) -> str | None:
    """`name`, a streaming replica of the Postgres database `of` names, for the reads that may lag behind."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    primary = database_url(env) if of == "DATABASE_URL" else database_url_eu(env)
    if primary is None:
        raise DatabaseUrlError(f"{name} is set but {of} is not: a replica serves the reads of one database")
    url = checked_database_url(name, raw)
    if not (url.startswith("postgresql") and primary.startswith("postgresql")):
        raise DatabaseUrlError(
            f"{name} must be a postgresql:// URL of a streaming replica of {of}'s database"
        )
    return url


def checked_database_url(name: str, url: str) -> str:
    if url.startswith("postgres://"):  # Heroku-style alias.
        url = "postgresql://" + url[len("postgres://") :]
    if not (
        url.startswith("postgresql://")
        or url.startswith("postgresql+psycopg://")
        or url.startswith("sqlite:///")
    ):
        raise DatabaseUrlError(f"{name} must start with postgresql:// or sqlite:///")
    return url
