"""Group commit: concurrent requests' inserts share one statement and one commit.

Every web thread hands its row to a single committer thread per process and waits for the outcome; the
committer writes whatever has queued up meanwhile in one multi-row INSERT on an autocommit connection. A
request is answered only after the statement carrying its row has returned, so each 200 is still durable,
but a burst pays one round trip and one WAL flush instead of one per request.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

MAX_BATCH = 128
# Several committers overlap their round trips: while one batch waits for its WAL flush, the next is sent.
COMMITTERS = int(os.environ.get("MAILHOOK_GROUP_COMMITTERS", "2"))


class GroupCommitter(Generic[Item, Outcome]):
    def __init__(
        self,
        write: Callable[[Sequence[Item]], Sequence[Outcome]],
        max_batch: int = MAX_BATCH,
        committers: int = COMMITTERS,
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._committers = committers
        self._pending: list[tuple[Item, Future[Outcome]]] = []
        self._wakeup = threading.Condition()
        self._threads: list[threading.Thread] = []

    def submit(self, item: Item, timeout: float) -> Outcome:
        """Queue the item and wait until the batch carrying it is written; raise what the write raised."""
        future: Future[Outcome] = Future()
        with self._wakeup:
            self._pending.append((item, future))
            self._ensure_thread()
            self._wakeup.notify()
        return future.result(timeout)

    def _ensure_thread(self) -> None:
        self._threads = [thread for thread in self._threads if thread.is_alive()]
        while len(self._threads) < self._committers:
            thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._pending:
                    self._wakeup.wait()
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            self._flush(batch)

    def _flush(self, batch: list[tuple[Item, Future[Outcome]]]) -> None:
        try:
            outcomes = self._write([item for item, _ in batch])
        except BaseException as exc:  # Every waiting request learns of the failure; the thread goes on.
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            future.set_result(outcome)
