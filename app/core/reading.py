"""A value read from the database at most every so many seconds per process, for the console's figures that
count a day or a week of events: counting them again for every page view and every scrape of every replica
costs hundreds of milliseconds at millions of rows, and the figures barely move within half a minute.

One reader at a time: the others wait for its answer instead of counting the same rows alongside it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Reading(Generic[T]):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._read_at = -float("inf")
        self._value: T | None = None

    def read(self, fresh: Callable[[], T]) -> T:
        with self._lock:
            if self._value is None or time.monotonic() - self._read_at >= self.seconds:
                self._value = fresh()
                self._read_at = time.monotonic()
            return self._value

    def expire(self) -> None:
        """The next read counts afresh."""
        with self._lock:
            self._read_at = -float("inf")
