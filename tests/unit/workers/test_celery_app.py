"""The Celery app as the shipped commands make it: both lanes of the inbox routed to the inbox queue, and
enough processes that parsing mail never takes the last one."""

from __future__ import annotations

import pytest

from app.core.settings import Settings
from app.core.task_names import DRAIN_TASKS, QUEUE_INBOX, SWEEP_INBOX
from workers.celery import MIN_WORKER_PROCESSES, create_celery


def test_every_drain_and_the_sweep_go_to_the_inbox_queue(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_celery(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    for task in (*DRAIN_TASKS, SWEEP_INBOX):
        assert app.amqp.router.route({}, task)["queue"].name == QUEUE_INBOX, task


@pytest.mark.parametrize("cpus", [None, 1, 2, 8])
def test_a_worker_has_at_least_two_processes(tmp_path, monkeypatch: pytest.MonkeyPatch, cpus) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("os.cpu_count", lambda: cpus)
    app = create_celery(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    assert app.conf.worker_concurrency == max(MIN_WORKER_PROCESSES, cpus or 1)
