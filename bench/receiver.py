"""A local push subscriber: an HTTP server on loopback that records every batch posted to it and answers
as told (a status for the first N requests, then 200). Used by the push benchmark and the push tests.

It serves only 127.0.0.1 and stops with its context manager; no request loop outlives it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True, slots=True)
class Received:
    headers: dict[str, str]
    body: bytes
    status: int
    at: float

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    def items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = json.loads(self.body)["items"]
        return items


@dataclass
class Receiver:
    answer: Callable[[int], int] = lambda n: 200  # the status for the n-th request (from 0)
    delay: float = 0.0  # seconds before answering
    requests: list[Received] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    accepted_items: int = 0  # items of the first 2xx of each webhook-id, counted as they arrive
    _seen: set[str] = field(default_factory=set)

    def record(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            status = self.answer(len(self.requests))
            received = Received(headers, body, status, time.monotonic())
            self.requests.append(received)
            if 200 <= status < 300 and received.webhook_id not in self._seen:
                self._seen.add(received.webhook_id)
                self.accepted_items += len(received.items())
        return status

    def accepted(self) -> list[Received]:
        """Requests answered 2xx, the first of each webhook-id only (a subscriber's deduplication)."""
        seen: set[str] = set()
        kept = []
        for received in list(self.requests):
            if 200 <= received.status < 300 and received.webhook_id not in seen:
                seen.add(received.webhook_id)
                kept.append(received)
        return kept

    def items(self) -> list[dict[str, Any]]:
        return [item for received in self.accepted() for item in received.items()]


def failing_first(count: int, status: int = 503) -> Callable[[int], int]:
    return lambda n: status if n < count else 200


@contextmanager
def receiving(receiver: Receiver | None = None) -> Iterator[Receiver]:
    receiver = receiver or Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a subscriber's own server would

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if receiver.delay:
                time.sleep(receiver.delay)
            status = receiver.record({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read their own records
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
