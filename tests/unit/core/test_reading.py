"""A reading is counted once per window, afresh after it or when expired, and once for concurrent readers."""

from __future__ import annotations

import threading
import time

from app.core.reading import Reading


def test_a_reading_is_kept_for_its_window_then_read_again() -> None:
    reads: list[int] = []

    def fresh() -> int:
        reads.append(len(reads))
        return len(reads)

    reading: Reading[int] = Reading(0.2)
    assert [reading.read(fresh) for _ in range(3)] == [1, 1, 1]
    time.sleep(0.25)
    assert reading.read(fresh) == 2
    reading.expire()
    assert reading.read(fresh) == 3 and len(reads) == 3


def test_readers_arriving_together_wait_for_one_count() -> None:
    started = threading.Event()
    count = 0

    def slow() -> int:
        nonlocal count
        count += 1
        started.set()
        time.sleep(0.2)
        return count

    reading: Reading[int] = Reading(60)
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(reading.read(slow))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count == 1 and answers == [1] * 5
