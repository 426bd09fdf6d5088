"""Alembic's own command works from the checkout against DATABASE_URL ([tool.alembic] in pyproject.toml):
history lists every migration, current names the head after `mailhook db upgrade`, and autogenerate finds
nothing to add, so the models and the migrations agree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.core import migrate
from tests.conftest import REPO

ALEMBIC = str(Path(sys.executable).parent / "alembic")


def alembic(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "MAILHOOK_"))}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [ALEMBIC, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_history_current_and_autogenerate_from_the_checkout(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mailhook.sqlite3'}"
    versions = sorted(p.stem for p in (REPO / "migrations" / "versions").glob("0*.py"))
    history = alembic(url, "history")
    assert history.returncode == 0, history.stderr
    for version in versions:
        assert version in history.stdout
    migrate.upgrade(url)
    current = alembic(url, "current")
    assert current.returncode == 0, current.stderr
    assert f"{versions[-1]} (head)" in current.stdout
    check = alembic(url, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr


def test_check_fails_when_the_models_and_the_migrations_disagree(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mailhook.sqlite3'}"
    migrate.upgrade(url)
    # A database one migration short of the models: autogenerate must see the difference.
    previous = sorted(p.stem for p in (REPO / "migrations" / "versions").glob("0*.py"))[-2]
    assert alembic(url, "downgrade", previous).returncode == 0
    assert alembic(url, "check").returncode != 0
