"""One real gunicorn web process (production config, one worker process) and its memory, read from /proc.

The intake's resource bounds are about the worker process that answers: its resident memory is read from
/proc/<pid>/status, and its peak is reset between cases through /proc/<pid>/clear_refs.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.conftest import Service, wait_until_ready, web_command

MIB = 1024 * 1024


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name sits in parentheses and may hold spaces; the parent pid is the 2nd field after it.
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def memory_kib(pid: int, name: str) -> int:
    """VmRSS (now) or VmHWM (peak since the last reset) of `pid`, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    raise LookupError(name)


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # 5: reset the peak RSS (VmHWM) to the current RSS


@dataclass
class Watchdog:
    """Kills the web process group when its worker passes `cap_kib`, so a regression fails the test
    instead of exhausting the machine."""

    master: int
    worker: int
    cap_kib: int
    tripped: int | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self._stop.wait(0.01):
            try:
                rss = memory_kib(self.worker, "VmRSS")
            except (OSError, LookupError):
                return
            if rss > self.cap_kib:
                self.tripped = rss
                os.killpg(self.master, signal.SIGKILL)
                return

    def stop(self) -> None:
        self._stop.set()


@dataclass
class WebProcess:
    service: Service
    worker: int
    watchdog: Watchdog

    @property
    def base_url(self) -> str:
        return self.service.base_url

    def peak_growth_kib(self, send: object) -> tuple[int, object]:
        """How far the worker's RSS rose above where it stood while `send()` ran, and what send returned."""
        before = memory_kib(self.worker, "VmRSS")
        reset_peak(self.worker)
        result = send()  # type: ignore[operator]
        assert self.watchdog.tripped is None, f"web worker passed the cap: {self.watchdog.tripped} KiB"
        return memory_kib(self.worker, "VmHWM") - before, result


@contextmanager
def one_web_process(env: dict[str, str], log_dir: Path, cap_mib: int = 700) -> Iterator[WebProcess]:
    service = Service(f"http://{env['GUNICORN_BIND']}", {**env, "WEB_CONCURRENCY": "1"}, log_dir)
    service.start("web", web_command())
    watchdog = None
    try:
        wait_until_ready(service.base_url + "/healthz")
        master = service.processes["web"].pid
        [worker] = children(master)
        watchdog = Watchdog(master, worker, cap_mib * 1024)
        threading.Thread(target=watchdog.run, daemon=True).start()
        time.sleep(0.5)  # the worker settles after its first request
        yield WebProcess(service, worker, watchdog)
    finally:
        if watchdog is not None:
            watchdog.stop()
        service.stop_all()
