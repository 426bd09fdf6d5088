"""Group commit: concurrent requests' inserts share one statement and one commit.

Leader and followers, with no committer thread: a request that finds fewer than `committers` writes in
flight becomes a leader and writes its own row together with whatever has queued up, in one multi-row
INSERT on an autocommit connection; a request that finds enough writes in flight queues its row and waits.
A leader that finishes hands the lead to the first waiter, which writes the next batch. A request is answered
only after the statement carrying its row has returned, so each 200 is still durable, but a burst pays one
round trip and one WAL flush instead of one per request.

Why leaders rather than a committer thread: on a small machine every hand-off between threads is a wake-up
through the kernel, and a committer thread costs two per request (wake the committer, wake the request). A
leader writes its own row without any hand-off; a follower is woken once, when its row is written or when it
becomes the next leader.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

MAX_BATCH = 128
# One write in flight per process: while it waits for its WAL flush the next batch gathers. Measured on 2
# cores, a second concurrent writer made batches smaller and cost more CPU per delivery than it saved in
# latency; a database whose flushes are slow may want 2 (MAILHOOK_GROUP_COMMITTERS, read by the settings).
DEFAULT_COMMITTERS = 1


class _Slot(Generic[Item, Outcome]):
    """One submission: its item, then its outcome or error; `signal` wakes its waiting thread once."""

    __slots__ = ("error", "finished", "item", "lead", "outcome", "signal")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.outcome: Outcome | None = None
        self.error: BaseException | None = None
        self.finished = False
        self.lead = False
        self.signal = threading.Lock()
        self.signal.acquire()  # released exactly once: written, or promoted to lead


class GroupCommitter(Generic[Item, Outcome]):
    def __init__(
        self,
        write: Callable[[Sequence[Item]], Sequence[Outcome]],
        max_batch: int = MAX_BATCH,
        committers: int = DEFAULT_COMMITTERS,
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._committers = committers
        self._lock = threading.Lock()
        self._queue: list[_Slot[Item, Outcome]] = []
        self._leaders = 0

    def submit(self, item: Item, timeout: float) -> Outcome:
        """Write the item in a batch and return its outcome; raise what the write raised.

        `timeout` bounds the wait in the queue; a row already in a statement waits for that statement, which
        the database's own timeouts bound."""
        slot: _Slot[Item, Outcome] = _Slot(item)
        with self._lock:
            if self._leaders < self._committers:
                self._leaders += 1
                slot.lead = True
            else:
                self._queue.append(slot)
        if not slot.lead:
            self._wait(slot, timeout)
        if not slot.finished:  # a leader, first or promoted: its row goes in the batch it writes
            self._lead_once(slot)
        if slot.error is not None:
            raise slot.error
        return slot.outcome  # type: ignore[return-value]

    def _wait(self, slot: _Slot[Item, Outcome], timeout: float) -> None:
        if slot.signal.acquire(timeout=timeout):
            return
        with self._lock:
            if slot in self._queue:
                self._queue.remove(slot)
                raise TimeoutError("no write took the row in time")
        slot.signal.acquire()  # taken into a batch, or promoted, just now: its signal is on its way

    def _lead_once(self, own: _Slot[Item, Outcome]) -> None:
        with self._lock:
            room = self._max_batch - 1
            batch = [own, *self._queue[:room]]
            del self._queue[:room]
        try:
            outcomes = self._write([slot.item for slot in batch])
        except BaseException as exc:  # Every request of the batch learns of the failure.
            for slot in batch:
                slot.error, slot.finished = exc, True
        else:
            for slot, outcome in zip(batch, outcomes, strict=True):
                slot.outcome, slot.finished = outcome, True
        successor = self._pass_the_lead()
        if successor is not None:  # first: the next batch starts while this one's requests are answered
            successor.signal.release()
        for slot in batch[1:]:
            slot.signal.release()

    def _pass_the_lead(self) -> _Slot[Item, Outcome] | None:
        """The first waiter becomes a leader in this one's place; with nobody waiting, one leader fewer."""
        with self._lock:
            if self._queue:
                successor = self._queue.pop(0)
                successor.lead = True
                return successor
            self._leaders -= 1
            return None
