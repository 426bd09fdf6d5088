"""Group commit: batches form under concurrency, each caller gets its own outcome or the write's error."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.intake.group_commit import GroupCommitter
from app.intake.inbox import first_claims


def test_concurrent_submissions_share_batches_and_get_their_own_outcomes() -> None:
    batches: list[int] = []

    def write(items: Sequence[int]) -> list[int]:
        batches.append(len(items))
        time.sleep(0.02)  # a commit's latency, during which more submissions queue up
        return [item * 10 for item in items]

    committer: GroupCommitter[int, int] = GroupCommitter(write)
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda n: committer.submit(n, timeout=5), range(200)))
    assert results == [n * 10 for n in range(200)]
    assert sum(batches) == 200
    assert max(batches) > 1


def test_a_failed_write_fails_every_caller_of_that_batch_and_the_next_batch_still_works() -> None:
    fail = threading.Event()
    fail.set()

    def write(items: Sequence[str]) -> list[str]:
        if fail.is_set():
            fail.clear()
            raise ConnectionError("database gone")
        return list(items)

    committer: GroupCommitter[str, str] = GroupCommitter(write)
    with pytest.raises(ConnectionError):
        committer.submit("a", timeout=5)
    assert committer.submit("b", timeout=5) == "b"


def test_batches_respect_the_maximum() -> None:
    seen: list[int] = []
    gate = threading.Event()

    def write(items: Sequence[int]) -> list[int]:
        gate.wait(5)
        seen.append(len(items))
        return list(items)

    committer: GroupCommitter[int, int] = GroupCommitter(write, max_batch=4)
    with ThreadPoolExecutor(12) as pool:
        futures = [pool.submit(committer.submit, n, 5) for n in range(12)]
        time.sleep(0.2)
        gate.set()
        assert sorted(f.result() for f in futures) == list(range(12))
    assert max(seen) <= 4


def test_a_waiter_gives_up_after_its_timeout_and_its_row_is_never_written() -> None:
    written: list[int] = []

    def slow(items: Sequence[int]) -> list[int]:
        time.sleep(0.5)
        written.extend(items)
        return list(items)

    committer: GroupCommitter[int, int] = GroupCommitter(slow, committers=1)
    with ThreadPoolExecutor(1) as pool:
        leader = pool.submit(committer.submit, 1, 5)
        time.sleep(0.1)  # the leader is writing: the next submission has to wait in the queue
        with pytest.raises(TimeoutError):
            committer.submit(2, timeout=0.05)
        assert leader.result() == 1
    assert written == [1]


def test_a_lone_submission_is_written_by_its_own_thread_without_a_helper_thread() -> None:
    writers: list[str] = []

    def write(items: Sequence[int]) -> list[int]:
        writers.append(threading.current_thread().name)
        return list(items)

    committer: GroupCommitter[int, int] = GroupCommitter(write)
    threads_before = threading.active_count()
    assert committer.submit(7, timeout=1) == 7
    assert writers == [threading.current_thread().name]
    assert threading.active_count() == threads_before


def test_at_most_the_configured_number_of_writes_run_at_once() -> None:
    running, peak, lock = 0, 0, threading.Lock()

    def write(items: Sequence[int]) -> list[int]:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.01)
        with lock:
            running -= 1
        return list(items)

    committer: GroupCommitter[int, int] = GroupCommitter(write, committers=2)
    with ThreadPoolExecutor(16) as pool:
        assert sorted(pool.map(lambda n: committer.submit(n, 5), range(300))) == list(range(300))
    assert peak == 2


def test_only_the_first_carrier_of_an_inserted_token_claims_it() -> None:
    assert first_claims(["a", "b", "a", "c"], {"a", "c"}) == [True, False, False, True]
