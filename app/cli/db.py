"""`mailhook db ...`: schema migrations through Alembic (the only way the schema changes), per database."""

from __future__ import annotations

import click

from app.cli.common import settings_or_exit
from app.core import migrate
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


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION, in every database."""
    settings = settings_or_exit()
    for store in stores(settings):
        migrate.downgrade(store.url, revision)
        click.echo(f"{_name(settings, store)} at {revision}")


def _name(settings: Settings, store: Store) -> str:
    return f"database {store.name}" if split(settings) else "database"
