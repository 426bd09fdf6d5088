"""Wake the drain worker without a broker publish per request, and without a request ever waiting on it.

A request only sets a flag: the flag of the drain task its delivery needs (each lane of the inbox has its own,
workers/events/drain.py) and the thread's. One background thread per process publishes each wanted task at
most once per interval while its flag keeps being set. If the broker is down the publish fails off the request
path, and the beat sweeper finds the pending rows later: the 200 never depends on Redis.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 0.1
FAILURE_LOG_EVERY_SECONDS = 30.0


class DrainWaker:
    def __init__(
        self,
        publish: Callable[[str], None],
        tasks: Sequence[str],
        interval: float = DEFAULT_INTERVAL_SECONDS,
    ) -> None:
        """`publish(task)` sends one of `tasks` (the first is woken when a poke names none)."""
        self._publish = publish
        self._interval = interval
        self._default = tasks[0]
        # One flag per task, fixed at the start: a poke and the thread never share a mutable collection.
        self._wanted_tasks = {task: threading.Event() for task in tasks}
        self._wanted = threading.Event()
        self._thread: threading.Thread | None = None
        self._owner_pid = 0
        self._start_lock = threading.Lock()
        self._last_failure_log = 0.0
        self.published = 0

    def poke(self, task: str | None = None) -> None:
        wanted = self._wanted_tasks[task or self._default]
        # set() takes the lock a waiter may wait on: only when needed. The task's flag first: the thread,
        # once woken, reads the task flags after clearing its own.
        if not wanted.is_set():
            wanted.set()
        if not self._wanted.is_set():
            self._wanted.set()
        if self._thread is None or self._owner_pid != os.getpid():
            self._start()

    def _start(self) -> None:
        # Started lazily so that a forked gunicorn worker gets its own thread, not its parent's dead one.
        with self._start_lock:
            if self._thread is not None and self._owner_pid == os.getpid():
                return
            self._owner_pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="drain-waker", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            for task, wanted in self._wanted_tasks.items():
                if wanted.is_set():
                    wanted.clear()
                    self._publish_once(task)
            time.sleep(self._interval)

    def _publish_once(self, task: str) -> None:
        try:
            self._publish(task)
            self.published += 1
        except Exception as exc:  # The broker is optional for intake: report, never raise.
            now = time.monotonic()
            if now - self._last_failure_log >= FAILURE_LOG_EVERY_SECONDS:
                self._last_failure_log = now
                log.warning(
                    "could not wake the drain worker (%s); the sweeper will pick rows up", type(exc).__name__
                )
