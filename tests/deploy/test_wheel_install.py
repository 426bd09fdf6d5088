"""A wheel of mailhook, installed outside the checkout as the image installs it (non-editable), migrates.

The fresh venv borrows the project venv's third-party packages through a path file, which adds the directory
to sys.path without running the path files in it, so the editable install of the checkout stays out: the
`app` that runs is the wheel's.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

from tests.conftest import REPO

# What the code reads from its own package directory at run time.
SHIPPED = {
    "app/migrations/env.py",
    "app/migrations/script.py.mako",
    "app/api/vendor/redoc/redoc.standalone.js",
    "app/dashboard/templates/dashboard.html",
}


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def installed_wheel(tmp_path: Path) -> Path:
    """A venv in tmp_path with the wheel built from the checkout: its python."""
    wheels = tmp_path / "wheels"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(REPO)], tmp_path
    )
    (wheel,) = wheels.glob("mailhook-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert names >= SHIPPED, SHIPPED - names
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    site = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path)
    )
    (Path(site.as_posix().strip()) / "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "install",
        "--no-deps",
        "--quiet",
        str(wheel),
    ]
    run(pip, tmp_path)
    return python


def test_an_installed_wheel_migrates_a_fresh_database_from_anywhere(tmp_path: Path) -> None:
    python = installed_wheel(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": f"{python.parent}:{os.environ.get('PATH', '')}",
        "HOME": str(elsewhere),
        "DATABASE_URL": f"sqlite:///{elsewhere / 'fresh.sqlite3'}",
        "MAILHOOK_ENV": "development",
    }
    found = run(
        [str(python), "-c", "import app.core.migrate as m; print(m.__file__, m.MIGRATIONS_DIR)"], elsewhere
    )
    module, migrations = found.split()
    assert module.startswith(str(tmp_path / "venv")), "the wheel's app, not the checkout's"
    assert migrations.startswith(str(tmp_path / "venv")) and migrations.endswith("app/migrations")

    print(run([str(python.parent / "mailhook"), "db", "upgrade"], elsewhere, env))
    with sqlite3.connect(elsewhere / "fresh.sqlite3") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        (head,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    assert {"inbox", "events", "dashboard_sessions", "alembic_version"} <= tables
    newest = max(p.stem for p in (REPO / "migrations" / "versions").glob("0*.py"))
    assert head == newest
