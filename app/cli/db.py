"""`mailhook db ...`: schema migrations through Alembic (the only way the schema changes), per database."""

from __future__ import annotations

import click

from app.cli.common import settings_or_exit
from app.core import migrate
from app.core.db import make_engine
from app.core.partitions import ensure_ahead
from app.core.settings import Settings
from app.core.stores import Store, split, stores


@click.group()
def db() -> None:
    """Database schema."""


@db.command()
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION, in every database (DATABASE_URL, then DATABASE_URL_EU if set)."""
    settings = settings_or_exit()
    for store in stores(settings):
        migrate.upgrade(store.url, revision)
        click.echo(f"{_name(settings, store)} at {revision}")
        for name in _partitions_ahead(store, settings.event_partitions):
            click.echo(f"{_name(settings, store)}: partition {name} created")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION, in every database."""
    settings = settings_or_exit()
    for store in stores(settings):
        migrate.downgrade(store.url, revision)
        click.echo(f"{_name(settings, store)} at {revision}")


def _partitions_ahead(store: Store, period: str) -> list[str]:
    """The current and next period's partitions of `events` (Postgres, once partitioned): beat creates
    them too, but a database just migrated must not wait for it."""
    engine = make_engine(store.url)
    try:
        return ensure_ahead(engine, period)
    finally:
        engine.dispose()


def _name(settings: Settings, store: Store) -> str:
    return f"database {store.name}" if split(settings) else "database"
