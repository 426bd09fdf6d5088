"""Group commit: batches form under concurrency, each caller gets its own outcome or the write's error."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.group_commit import GroupCommitter
from app.inbox import first_claims


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


def test_a_waiter_gives_up_after_its_timeout() -> None:
    committer: GroupCommitter[int, int] = GroupCommitter(lambda items: (time.sleep(1), list(items))[1])
    with pytest.raises(TimeoutError):
        committer.submit(1, timeout=0.05)


def test_only_the_first_carrier_of_an_inserted_token_claims_it() -> None:
    assert first_claims(["a", "b", "a", "c"], {"a", "c"}) == [True, False, False, True]
