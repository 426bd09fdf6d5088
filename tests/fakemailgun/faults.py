"""Injected faults: the next N matching requests fail (429/5xx) or hang before being answered.

Rules are consumed in the order they were set; a request takes at most one hang rule and then at
most one failure rule, so ``hang_next`` + ``fail_next`` on the same request gives a slow 500.
A hung request that is not failed is then processed normally (the state changes even if the client
gave up waiting, as with a real server), unless the fake is stopped meanwhile.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http import HTTPStatus

from werkzeug.wrappers import Response


@dataclass
class FaultRule:
    remaining: int
    method: str | None
    path_prefix: str | None
    status: int = 0
    retry_after: float | str | None = None
    body_retry_seconds: float | None = None
    hang_seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)

    def failure_response(self) -> Response:
        message = "Too Many Requests" if self.status == 429 else HTTPStatus(self.status).phrase
        body: dict[str, object] = {"message": message}
        if self.body_retry_seconds is not None:
            body["retry-seconds"] = self.body_retry_seconds
        headers = {}
        if self.retry_after is not None:
            value = self.retry_after
            # Retry-After is delta-seconds (an integer) or an HTTP date; keep a given string as is.
            headers["Retry-After"] = value if isinstance(value, str) else str(round(value))
        return Response(json.dumps(body), status=self.status, mimetype="application/json", headers=headers)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fail: list[FaultRule] = []
        self._hang: list[FaultRule] = []

    def add_failure(self, rule: FaultRule) -> None:
        with self._lock:
            self._fail.append(rule)

    def add_hang(self, rule: FaultRule) -> None:
        with self._lock:
            self._hang.append(rule)

    @staticmethod
    def _take(rules: list[FaultRule], method: str, path: str) -> FaultRule | None:
        for rule in rules:
            if rule.matches(method, path):
                rule.remaining -= 1
                return rule
        return None

    def take_hang(self, method: str, path: str) -> float:
        with self._lock:
            rule = self._take(self._hang, method, path)
            return rule.hang_seconds if rule else 0.0

    def take_failure(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            return self._take(self._fail, method, path)

    def pending(self) -> int:
        with self._lock:
            return sum(r.remaining for r in self._fail + self._hang)

    def clear(self) -> None:
        with self._lock:
            self._fail.clear()
            self._hang.clear()
