"""What the fake saw: one ``Call`` per request, thread-safe."""

from __future__ import annotations

import base64
import binascii
import threading
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request

# A single value as str, a repeated one (``url=...&url=...``) as a list, in wire order.
Params = dict[str, "str | list[str]"]


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: Params
    headers: dict[str, str]  # Authorization redacted to "api:***" (the user name is kept)
    json: Any
    form: Params
    status: int
    problem: str | None = None  # why the request was invalid; None for a valid one
    files: tuple[str, ...] = field(default=())  # names of multipart file parts

    @property
    def invalid(self) -> bool:
        return self.problem is not None


def flatten(multi: MultiDict[str, Any]) -> Params:
    out: Params = {}
    for key in multi:
        values = multi.getlist(key)
        out[key] = values[0] if len(values) == 1 else list(values)
    return out


def redact_authorization(value: str) -> str:
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() != "basic":
        return "***"
    try:
        user = base64.b64decode(credentials, validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return "***"
    return f"{user}:***"


def make_call(request: Request, status: int, problem: str | None) -> Call:
    headers = dict(request.headers.items())
    if "Authorization" in headers:
        headers["Authorization"] = redact_authorization(headers["Authorization"])
    body_json = request.get_json(silent=True) if request.is_json else None
    return Call(
        method=request.method,
        path=request.path,
        query=flatten(request.args),
        headers=headers,
        json=body_json,
        form=flatten(request.form),
        status=status,
        problem=problem,
        files=tuple(request.files.keys()),
    )


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []

    def add(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def invalid(self) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.invalid]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


def describe(calls: list[Call]) -> str:
    """Readable summary for assertion messages."""
    return "\n".join(f"{c.method} {c.path} -> {c.status}: {c.problem}" for c in calls)
