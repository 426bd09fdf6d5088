"""Small helpers shared by the fake's endpoint modules."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

TRUE_WORDS = frozenset({"yes", "true", "y", "t", "on", "1"})
FALSE_WORDS = frozenset({"no", "false", "n", "f", "off", "0"})


class ApiError(Exception):
    """An error answer. ``invalid`` marks a request our client must never send (it lands in
    ``FakeMailgun.invalid_requests`` like a request the spec refuses)."""

    def __init__(self, status: int, message: str, *, invalid: bool = False, key: str = "message") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.invalid = invalid
        self.key = key  # the webhook APIs say {"Reason": ...} where the others say {"message": ...}

    def response(self) -> Response:
        return json_response({self.key: self.message}, self.status)


@dataclass
class Ctx:
    """What an endpoint handler gets: the request, its URL variables and the fake's base URL
    (paging links are absolute URLs pointing back at the fake, as Mailgun's point at itself)."""

    request: Request
    args: dict[str, str]
    base_url: str

    @property
    def query(self) -> MultiDict[str, str]:
        return self.request.args

    @property
    def form(self) -> MultiDict[str, str]:
        return self.request.form


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def rfc2822(ts: float | None = None) -> str:
    """Mailgun's date format in suppression and list records ("Thu, 11 Dec 2025 01:49:40 UTC")."""
    return formatdate(time.time() if ts is None else ts, usegmt=True).replace("GMT", "UTC")


def parse_time(value: str) -> float:
    """Events API ``begin``/``end``: an epoch number or an RFC 2822 date."""
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        raise ApiError(400, f"Invalid time value {value!r}", invalid=True) from None


def parse_bool(value: str | bool | None, name: str, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ApiError(400, f"Invalid boolean value {value!r} for {name!r}", invalid=True)


def parse_int(value: str | None, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, f"'{name}' must be an integer", invalid=True) from None


def parse_limit(value: str | None, default: int, maximum: int) -> int:
    if not value:
        return default
    try:
        limit = int(value)
    except ValueError:
        raise ApiError(400, f"Invalid limit {value!r}", invalid=True) from None
    if not 1 <= limit <= maximum:
        raise ApiError(400, f"The 'limit' parameter must be between 1 and {maximum}", invalid=True)
    return limit


def new_id(nbytes: int = 12) -> str:
    return secrets.token_hex(nbytes)
