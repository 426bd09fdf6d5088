"""Shared fixtures: throwaway Postgres databases, SQLite files, settings, signed payloads.

Each xdist worker gets its own Postgres database, created and migrated once, emptied after each test, and
dropped at the end. Nothing is mocked that the user runs for real.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from sqlalchemy import Engine, text

from app.core import migrate
from app.core.db import make_engine
from app.core.models.tables import Base
from app.core.settings import Settings
from app.core.signing import compute_signature

if TYPE_CHECKING:
    from tests.integration.sync_support import World
    from tests.streaming_replica import Pair

REPO = Path(__file__).resolve().parents[1]
PAYLOADS = REPO.parent / "shared" / "mailgun" / "payloads"
TEST_KEY = "TEST_WEBHOOK_SIGNING_KEY"
PG_ADMIN_URL = os.environ.get("MAILHOOK_TEST_PG_ADMIN", "postgresql://127.0.0.1:5432/postgres")
REDIS_TEST_URL = os.environ.get("MAILHOOK_TEST_REDIS", "redis://127.0.0.1:6379")


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text())


def sign(key: str = TEST_KEY, timestamp: float | None = None, token: str | None = None) -> dict[str, str]:
    stamp = str(int(timestamp if timestamp is not None else time.time()))
    token = token or secrets.token_hex(25)
    return {"timestamp": stamp, "token": token, "signature": compute_signature(key, stamp, token)}


def create_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def truncate_all(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - names from our metadata


@pytest.fixture(scope="session")
def worker_id_suffix(request: pytest.FixtureRequest) -> str:
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    return f"{worker}_{uuid.uuid4().hex[:6]}"


@contextmanager
def throwaway_database(name: str, *, migrated: bool = True) -> Iterator[str]:
    """A Postgres database of its own, at the schema's head unless asked empty, dropped on leaving."""
    url = create_database(PG_ADMIN_URL, name)
    try:
        if migrated:
            migrate.upgrade(url)
        yield url
    finally:
        from app.core.db import dispose_engines

        dispose_engines()  # the engines cached by apps and tasks hold connections to it
        drop_database(PG_ADMIN_URL, name)


def missing_database_url() -> str:
    """A database on the live server that was never created: every connection to it is refused at once."""
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/mailhook_test_missing_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def pg_url(worker_id_suffix: str) -> Iterator[str]:
    with throwaway_database(f"mailhook_test_{worker_id_suffix}") as url:
        yield url


@pytest.fixture
def eu_url() -> Iterator[str]:
    """A second database, migrated, for DATABASE_URL_EU (the EU region's own)."""
    with throwaway_database(f"mailhook_test_eu_{uuid.uuid4().hex[:8]}") as url:
        yield url


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def streaming_replica() -> Iterator[Pair]:
    """A throwaway Postgres primary with database `mailhook` at the schema's head, and a hot standby streaming
    from it (tests/streaming_replica.py); skipped only where the Postgres server programs are absent."""
    from tests.streaming_replica import missing_programs, streaming_pair

    reason = missing_programs()
    if reason is not None:
        pytest.skip(reason)
    with streaming_pair() as pair:
        migrate.upgrade(pair.primary.url())
        pair.wait_for_replay()
        yield pair
        from app.core.db import dispose_engines

        dispose_engines()  # before the servers stop: the apps' pooled connections go first


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'mailhook.sqlite3'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(params=["postgres", "sqlite"])
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Runs the test on both stores: Postgres (production) and SQLite (embedded default)."""
    if request.param == "postgres":
        url, engine = request.getfixturevalue("pg_url"), request.getfixturevalue("pg_engine")
        yield url
        truncate_all(engine)
    else:
        yield request.getfixturevalue("sqlite_url")


@pytest.fixture
def settings_for(tmp_path: Path):  # type: ignore[no-untyped-def]
    def build(database_url: str, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "signing_keys": (TEST_KEY,),
            "api_tokens": ("test-api-token",),
            "env": "test",
            "broker_dir": str(tmp_path / "broker"),
            "domain_regions": {"example.com": "us", "example.eu": "eu"},
        }
        values.update(overrides)
        return Settings(**values)

    return build


@pytest.fixture
def world(db_url: str, settings_for: Callable[..., Settings]) -> Iterator[World]:
    """Intake, drain and push on the test's database, against a fake Mailgun per region."""
    from tests.integration.sync_support import World, fakes, world_settings  # it imports this module

    with fakes() as (us, eu):
        world = World(world_settings(settings_for, db_url, us, eu), us, eu)
        yield world
        world.close()
