"""The drain waker: pokes are coalesced, failures never reach the caller."""

from __future__ import annotations

import threading
import time

from app.intake.wake import DrainWaker


def wait_for(condition, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_many_pokes_give_few_publishes() -> None:
    published = []
    waker = DrainWaker(lambda: published.append(1), interval=0.2)
    for _ in range(500):
        waker.poke()
    assert wait_for(lambda: len(published) >= 1)
    time.sleep(0.5)
    assert 1 <= len(published) <= 3


def test_publish_failure_is_swallowed_and_later_pokes_still_publish() -> None:
    calls = []
    ok = threading.Event()

    def publish() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("broker down")
        ok.set()

    waker = DrainWaker(publish, interval=0.01)
    waker.poke()
    assert wait_for(lambda: len(calls) == 1)
    waker.poke()
    assert ok.wait(5)
    assert waker.published == 1


def test_poke_returns_immediately_even_when_publish_hangs() -> None:
    release = threading.Event()
    waker = DrainWaker(lambda: release.wait(10), interval=0.01)
    started = time.monotonic()
    for _ in range(100):
        waker.poke()
    assert time.monotonic() - started < 0.5
    release.set()
