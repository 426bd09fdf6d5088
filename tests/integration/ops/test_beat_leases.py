"""Two beats at once: every beat-scheduled task run twice concurrently does its work once.

Postgres and SQLite. Overlap is forced, not hoped for: the first run is held inside its work until the second
has come and gone (or, for the push, its first Mailgun call hangs while the second claims).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from sqlalchemy import Engine

from app.core.task_names import (
    CREATE_PARTITIONS,
    DRAIN_INBOX,
    POLL_EVENTS,
    PURGE_EXPIRED,
    PUSH_SUBSCRIPTIONS,
    PUSH_SYNC,
    REFRESH_LISTS,
    SORT_PARTITIONS,
    SWEEP_INBOX,
    SWEEP_STORED_FETCHES,
)
from tests.integration.reconcile_support import running_fakes, seed_old_and_new, settings_for_fakes
from tests.integration.sync_support import World, event, fakes, sent, world_settings
from workers.celery import TASK_TIME_LIMIT_SECONDS, beat_schedule, create_celery
from workers.ops import leases

# How each beat task copes with a second beat; a new beat task must be placed here (and made safe) first.
SAFE_TWICE = {
    SWEEP_INBOX: "only wakes the drain, whose claims skip rows another drain holds",
    SWEEP_STORED_FETCHES: "a fetch sent twice finds its message already fetched",
    PUSH_SYNC: "outbox rows are claimed with a lease (next_attempt_at) before any call",
    POLL_EVENTS: "each domain's cursor is leased in poll_cursors",
    REFRESH_LISTS: "task lease per region (task_leases)",
    PURGE_EXPIRED: "task lease (task_leases)",
    PUSH_SUBSCRIPTIONS: "each subscription is leased (lease_until, holder) before its task is sent",
    CREATE_PARTITIONS: "task lease per database (task_leases)",
    SORT_PARTITIONS: "task lease per database (task_leases), held longer than its time limit",
}


def celery_for(settings: Any) -> Celery:
    celery = create_celery(settings)
    celery.loader.import_default_modules()
    return celery


class HeldWork:
    """Wraps a task's work: the first caller waits inside until released; every call is counted."""

    def __init__(self, work: Callable[..., Any]) -> None:
        self.work, self.calls = work, 0
        self.entered, self.proceed = threading.Event(), threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        self.entered.set()
        assert self.proceed.wait(10), "the test never released the first run"
        return self.work(*args, **kwargs)


def run_overlapping(first: Callable[[], Any], second: Callable[[], Any], held: HeldWork) -> tuple[Any, Any]:
    """Start `first`, wait until it is inside its work, run `second` to the end, then let `first` finish."""
    results: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: results.setdefault("first", first()))
    thread.start()
    try:
        assert held.entered.wait(10), "the first run never reached its work"
        results["second"] = second()
    finally:
        held.proceed.set()
        thread.join(15)
    return results.get("first"), results["second"]


def test_every_beat_task_is_safe_when_two_beats_send_it(tmp_path: Path) -> None:
    with running_fakes() as fakes:
        settings = settings_for_fakes("sqlite:///unused", fakes, tmp_path)
    scheduled = {entry["task"] for entry in beat_schedule(settings).values()}
    assert scheduled <= set(SAFE_TWICE), (
        f"beat tasks with no rule for two beats: {scheduled - set(SAFE_TWICE)}"
    )
    assert DRAIN_INBOX not in scheduled  # the drain is woken, never scheduled


def test_the_lease_outlives_any_task_run() -> None:
    assert timedelta(seconds=TASK_TIME_LIMIT_SECONDS) < leases.LEASE_HOLD


def test_two_purges_at_once_delete_once(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_old_and_new(engine)
    with running_fakes() as fakes:
        celery = celery_for(settings_for_fakes(db_url, fakes, tmp_path, retention_days=30))
    import workers.ops.retention

    held = HeldWork(workers.ops.retention.purge)
    monkeypatch.setattr(workers.ops.retention, "purge", held)
    task = celery.tasks[PURGE_EXPIRED]

    first, second = run_overlapping(lambda: task.apply().get(), lambda: task.apply().get(), held)

    assert held.calls == 1
    assert second == 0
    assert first > 0
    # The lease was released: the next day's purge runs (and finds nothing left to delete).
    assert task.apply().get() == 0
    assert held.calls == 2


def test_two_list_refreshes_at_once_page_the_lists_once(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_fakes() as fakes:
        celery = celery_for(settings_for_fakes(db_url, fakes, tmp_path))
        import workers.sync.tasks

        held = HeldWork(workers.sync.tasks.refresh_region_lists)
        monkeypatch.setattr(workers.sync.tasks, "refresh_region_lists", held)
        task = celery.tasks[REFRESH_LISTS]

        run_overlapping(lambda: task.apply(args=("us",)).get(), lambda: task.apply(args=("us",)).get(), held)

        assert held.calls == 1
        assert len(fakes.us.calls_to("GET", "/v3/lists/pages")) == 1
        task.apply(args=("eu",)).get()  # another region's lease is another name
        assert held.calls == 2


def test_two_pushes_at_once_send_each_action_once(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    with fakes() as (us, eu):
        world = World(world_settings(settings_for, db_url, us, eu), us, eu)
        try:
            addresses = [f"user{i:03d}@example.org" for i in range(50)]
            for address in addresses:
                world.post(event("bounce", address, "mg.example.com"))
            world.drain()
            # The first run's first call hangs: the second run claims while the first holds its rows.
            us.hang_next(1, 0.5, method="POST")
            start = threading.Barrier(2)
            threads = [threading.Thread(target=lambda: (start.wait(), world.push("us"))) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(20)
            world.push_until_settled("us")
            for path in ("/v3/news.example.com/bounces", "/v3/shop.example.com/bounces"):
                sends = Counter(a for call in sent(us.calls, "POST", path) for a in call)
                assert sends == Counter(addresses)
        finally:
            world.close()


def test_an_expired_lease_is_taken_over_and_only_its_holder_releases(engine: Engine) -> None:
    now = datetime.now(UTC)
    first = leases.acquire(engine, "job", timedelta(seconds=30), now=now)
    assert first is not None
    assert leases.acquire(engine, "job", timedelta(seconds=30), now=now + timedelta(seconds=10)) is None
    # The first run died without releasing: once its lease has passed, the next run takes over.
    second = leases.acquire(engine, "job", timedelta(seconds=30), now=now + timedelta(seconds=31))
    assert second is not None
    leases.release(engine, "job", first)  # too late: no longer the holder, changes nothing
    assert leases.acquire(engine, "job", timedelta(seconds=30), now=now + timedelta(seconds=40)) is None
    leases.release(engine, "job", second)
    assert leases.acquire(engine, "job", timedelta(seconds=30), now=now + timedelta(seconds=41)) is not None
