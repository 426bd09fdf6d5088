"""workers/celery.py does nothing at import: a process is set up when Celery's `-A` loading asks for the app.

Each check runs in a fresh interpreter, so what an import does is seen whole, whatever this test process has
imported or connected already.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Our handlers, by the signal they are connected to: none may be connected by an import.
HANDLERS = """
import weakref
from celery import signals
def _ours(signal):
    receivers = [r() if isinstance(r, weakref.ReferenceType) else r for _, r in signal.receivers]
    return [r for r in receivers if getattr(r, "__module__", "").startswith(("workers.", "app."))]
ours = {
    name: _ours(getattr(signals, name))
    for name in ("before_task_publish", "task_prerun", "task_postrun", "setup_logging", "worker_init",
                 "worker_process_init", "beat_init")
}
"""


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("MAILHOOK_", "MAILGUN_", "PROMETHEUS_"))
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DATABASE_URL": "sqlite:///:memory:", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_importing_the_module_sets_nothing_connects_nothing_and_never_exits() -> None:
    code = HANDLERS.replace("ours = {", "import workers.celery, os, sys\nours = {") + (
        "assert 'PROMETHEUS_MULTIPROC_DIR' not in os.environ, 'environment changed'\n"
        "assert all(not found for found in ours.values()), ours\n"
        "assert 'prometheus_client' not in sys.modules, 'metrics loaded before their directory is chosen'\n"
        "print('clean')\n"
    )
    # A configuration the app would refuse: importing must not read it, let alone exit on it.
    done = run_python(code, MAILHOOK_ENV="production")
    assert (done.returncode, done.stdout.strip()) == (0, "clean"), done.stderr


def test_celery_finding_the_app_sets_the_process_up_once() -> None:
    code = (
        "from celery.app.utils import find_app\n"
        "import os, workers.celery\n"
        "app = find_app('workers.celery')\n"  # what `celery -A workers.celery worker|beat` does
        "assert app is workers.celery.app is find_app('workers.celery'), 'one app per process'\n"
        "assert os.environ['PROMETHEUS_MULTIPROC_DIR'], 'no metrics directory'\n"
        + HANDLERS
        + "assert all(len(found) == 1 for found in ours.values()), ours\n"
        "print(app.main)\n"
    )
    done = run_python(code)
    assert (done.returncode, done.stdout.strip()) == (0, "mailhook"), done.stderr


def test_a_forked_pool_process_leaves_what_it_loaded_out_of_garbage_collection() -> None:
    code = (
        "import gc\n"
        "from celery import signals\n"
        "from celery.app.utils import find_app\n"
        "find_app('workers.celery')\n"
        "before = gc.get_freeze_count()\n"
        "signals.worker_process_init.send(sender=None)\n"  # what a prefork pool process sends once forked
        "print(before, gc.get_freeze_count() > 10_000)\n"
    )
    done = run_python(code)
    assert (done.returncode, done.stdout.strip()) == (0, "0 True"), done.stderr


def test_a_configuration_error_ends_the_process_with_one_line_when_the_app_is_asked_for() -> None:
    done = run_python("import workers.celery\nworkers.celery.app", MAILHOOK_ENV="production")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "mailhook: configuration error: MAILGUN_WEBHOOK_SIGNING_KEYS is required when MAILHOOK_ENV=production"
    ]
