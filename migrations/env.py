"""Alembic environment: the database comes from mailhook's settings (or the caller's connection)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from app.core.db import make_engine
from app.core.models.tables import Base
from app.core.settings import load_settings

target_metadata = Base.metadata

# A migration waits at most this long for a lock, so it can never queue behind traffic and block it.
MIGRATION_LOCK_TIMEOUT = "5s"
MIGRATION_STATEMENT_TIMEOUT = "10min"


def _run(connection: Connection, *, owned: bool = False) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SET lock_timeout = '{MIGRATION_LOCK_TIMEOUT}'"))
        connection.execute(text(f"SET statement_timeout = '{MIGRATION_STATEMENT_TIMEOUT}'"))
    if owned:
        # The session keeps the settings; Alembic then opens the transaction itself, so that a migration
        # may commit it and work in batches of its own (MigrationContext.autocommit_block).
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url_given() -> str | None:
    """The URL `mailhook db upgrade` passes; the alembic command run from the checkout (configured by
    [tool.alembic] in pyproject.toml, with no .ini section) passes none, and DATABASE_URL is used."""
    config = context.config
    if not config.file_config.has_section(config.config_ini_section):
        return None
    return config.get_main_option("sqlalchemy.url")


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = _url_given() or load_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn, owned=True)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `mailhook db upgrade`")
run_migrations_online()
