"""The drain waker: pokes are coalesced, failures never reach the caller."""

from __future__ import annotations

import threading
import time

from app.intake.wake import DrainWaker

TASKS = ("drain-events", "drain-mail")


def wait_for(condition, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_many_pokes_give_few_publishes() -> None:
    published = []
    waker = DrainWaker(lambda task: published.append(task), TASKS, interval=0.2)
    for _ in range(500):
        waker.poke()
    assert wait_for(lambda: len(published) >= 1)
    time.sleep(0.5)
    assert 1 <= len(published) <= 3
    assert set(published) == {TASKS[0]}  # a poke naming no task wakes the first


def test_publish_failure_is_swallowed_and_later_pokes_still_publish() -> None:
    calls = []
    ok = threading.Event()

    def publish(_task: str) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("broker down")
        ok.set()

    waker = DrainWaker(publish, TASKS, interval=0.01)
    waker.poke()
    assert wait_for(lambda: len(calls) == 1)
    waker.poke()
    assert ok.wait(5)
    assert waker.published == 1


def test_poke_returns_immediately_even_when_publish_hangs() -> None:
    release = threading.Event()
    waker = DrainWaker(lambda _task: release.wait(10), TASKS, interval=0.01)
    started = time.monotonic()
    for _ in range(100):
        waker.poke()
    assert time.monotonic() - started < 0.5
    release.set()


def test_each_task_poked_is_published_and_an_unpoked_one_is_not() -> None:
    published: list[str] = []
    waker = DrainWaker(published.append, TASKS, interval=0.05)
    waker.poke("drain-mail")
    assert wait_for(lambda: published == ["drain-mail"])
    for _ in range(50):
        waker.poke("drain-mail")
        waker.poke()  # names none: the first task
    assert wait_for(lambda: set(published) == set(TASKS))
    time.sleep(0.3)
    assert published.count("drain-events") <= 3, published
