"""`mailhook db ...`: schema migrations through Alembic (the only way the schema changes)."""

from __future__ import annotations

import click

from app import migrate
from app.cli import settings_or_exit


@click.group()
def db() -> None:
    """Database schema."""


@db.command()
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    settings = settings_or_exit()
    migrate.upgrade(settings.database_url, revision)
    click.echo(f"database at {revision}")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    settings = settings_or_exit()
    migrate.downgrade(settings.database_url, revision)
    click.echo(f"database at {revision}")
