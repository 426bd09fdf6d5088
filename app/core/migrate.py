"""Run Alembic from code: `mailhook db upgrade`, the `release` process and the tests all come through here.

The migrations are found in both places they live: under the installed package (app/migrations/, where
setup.py puts them in a wheel) and, in a checkout, at the top of the repository (migrations/), where the
package directory has none.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def migrations_dir(package_dir: Path = PACKAGE_DIR) -> Path:
    """The installed copy first: a directory named migrations/ beside an installed package in site-packages
    could be anyone's, while app/migrations/ can only be ours."""
    for candidate in (package_dir / "migrations", package_dir.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError(f"no migrations under {package_dir} or beside it")


MIGRATIONS_DIR = migrations_dir()


def alembic_config(database_url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
