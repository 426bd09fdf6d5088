"""A deadline on reading one request body, so a client that trickles its body in cannot hold a thread.

gunicorn's gthread worker reads a body from the socket only as the application asks for it, and a read of N
bytes waits until all N have arrived: a socket timeout bounds one recv(), not the read, and a body sent one
byte every 2 s never trips it (gunicorn's own `timeout` bounds a stuck worker process, not a request). So one
watchdog thread per process keeps the deadline of each body being read and, when one passes, shuts that
socket's reading side: the blocked recv() returns at once, the read ends short, and the intake answers 408.
The answer is still written; the connection then closes, its body unread.

Only gunicorn hands the application its socket (`gunicorn.socket`); under another server the body is read
without a deadline, and a buffering proxy in front (see the README) is what keeps slow clients away.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field


@dataclass(eq=False, slots=True)
class Watch:
    deadline: float
    sock: socket.socket | None
    expired: bool = False


@dataclass(slots=True)
class BodyDeadlines:
    """The deadlines of the bodies being read in this process, and the thread that enforces them."""

    _active: set[Watch] = field(default_factory=set)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _pid: int | None = None  # the process the thread was started in: a forked worker starts its own
    # When the thread next looks, on its own (None: only when woken). A new body is only worth waking it for
    # if its deadline comes sooner: with one deadline length for all, that is only when nothing was being
    # read. Waking it for every request cost about a fifth of the intake's interpreter time under load.
    _wakes_at: float | None = None

    @contextmanager
    def watch(self, sock: object, seconds: float) -> Iterator[Watch]:
        """While the body is read: `Watch.expired` says whether the deadline passed (the read then ended)."""
        entry = Watch(time.monotonic() + seconds, sock if isinstance(sock, socket.socket) else None)
        if entry.sock is None:
            yield entry  # no socket to shut: the read has no deadline here
            return
        with self._changed:
            self._ensure_thread()
            self._active.add(entry)
            if self._wakes_at is None or entry.deadline < self._wakes_at:
                self._wakes_at = entry.deadline
                self._changed.notify()
        try:
            yield entry
        finally:
            with self._changed:  # under the lock: once this returns, the socket is never touched again
                self._active.discard(entry)

    def _ensure_thread(self) -> None:
        if self._pid != os.getpid():
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="body-deadlines", daemon=True).start()

    def _run(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                for entry in [entry for entry in self._active if entry.deadline <= now]:
                    self._expire(entry)
                soonest = min((entry.deadline for entry in self._active), default=None)
                self._wakes_at = soonest
                self._changed.wait(None if soonest is None else soonest - now)

    def _expire(self, entry: Watch) -> None:
        self._active.discard(entry)
        entry.expired = True
        # OSError: the client already went away, and the read ends by itself.
        with suppress(OSError):
            if entry.sock is not None:
                entry.sock.shutdown(socket.SHUT_RD)


DEADLINES = BodyDeadlines()
