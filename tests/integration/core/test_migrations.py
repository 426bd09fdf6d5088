"""Schema through Alembic only: migrations apply from empty, round-trip, and agree with the models."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from app.core import migrate
from app.core.db import make_engine
from app.core.models.tables import Base
from app.core.partition_periods import is_partition_name
from tests.conftest import PG_ADMIN_URL, create_database, drop_database


@pytest.fixture(params=["postgres", "sqlite"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path, worker_id_suffix: str) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"mailhook_mig_{worker_id_suffix}"
    yield create_database(PG_ADMIN_URL, name)
    drop_database(PG_ADMIN_URL, name)


def outside_partitions(name: str | None, kind: str, parents: Mapping[str, str | None]) -> bool:
    """The partitions of `events` (and their indexes) are made at run time, not by the models."""
    table = name if kind == "table" else parents.get("table_name")
    return not (table and is_partition_name(table))


def schema_differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": outside_partitions}
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_migrations_apply_from_empty_and_match_the_models(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert schema_differences(empty_url) == []


def test_migrations_downgrade_to_empty_and_back(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "base")
    engine = make_engine(empty_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    migrate.upgrade(empty_url)
    assert schema_differences(empty_url) == []


def test_postgres_sessions_carry_statement_and_lock_timeouts(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        with engine.connect() as connection:
            statement = connection.execute(text("SHOW statement_timeout")).scalar()
            lock = connection.execute(text("SHOW lock_timeout")).scalar()
    finally:
        engine.dispose()
    assert statement == "15s"
    assert lock == "5s"
