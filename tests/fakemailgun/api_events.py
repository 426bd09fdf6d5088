"""Events API: ``GET /v3/{domain}/events`` and its paging URLs ``/v3/{domain}/events/{token}``.

The time range follows Mailgun's rules: with ``begin`` and ``end`` the direction is begin -> end;
with ``begin`` alone ``ascending`` (default "no") says which way to read from ``begin``. Pages are
cursors (last seen ``(timestamp, seq)``), so polling the same ``paging.next`` URL later returns
events seeded meanwhile, as Mailgun's does; an empty page means "nothing more yet".
"""

from __future__ import annotations

import base64
import json
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .common import ApiError, Ctx, json_response, parse_limit, parse_time
from .state import RegionState

MAX_LIMIT = 300
DEFAULT_LIMIT = 100
# Simple equality filters on event fields (Mailgun's filter expressions are richer: "a OR b" is
# supported for ``event``; other operators are not).
_FILTERS = {
    "event": ("event",),
    "recipient": ("recipient",),
    "message-id": ("message", "headers", "message-id"),
}


_TOKEN_KEYS = frozenset({"asc", "lo", "hi", "lim", "f", "cur", "back"})


def _encode(token: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(token, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(raw: str) -> dict[str, Any]:
    try:
        token = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except ValueError:
        raise ApiError(400, "Invalid page token", invalid=True) from None
    if not isinstance(token, dict) or not token.keys() >= _TOKEN_KEYS:
        raise ApiError(400, "Invalid page token", invalid=True)
    return token


def _query_token(ctx: Ctx) -> dict[str, Any]:
    """The search described by the query string of the first request."""
    query = ctx.query
    begin = parse_time(query["begin"]) if query.get("begin") else None
    end = parse_time(query["end"]) if query.get("end") else None
    ascending = query.get("ascending", "no") == "yes"
    lo: float | None
    hi: float | None
    if begin is not None and end is not None:
        ascending = begin <= end  # the range's own direction wins over ``ascending``
        lo, hi = min(begin, end), max(begin, end)
    elif begin is not None:
        lo, hi = (begin, None) if ascending else (None, begin)
    else:
        lo, hi = None, end
    filters = {k: query[k] for k in _FILTERS if query.get(k)}
    limit = parse_limit(query.get("limit"), DEFAULT_LIMIT, MAX_LIMIT)
    return {"asc": ascending, "lo": lo, "hi": hi, "lim": limit, "f": filters, "cur": None, "back": False}


def _matches(event: dict[str, Any], filters: dict[str, str]) -> bool:
    for name, wanted in filters.items():
        value: Any = event
        for part in _FILTERS[name]:
            value = value.get(part) if isinstance(value, dict) else None
        options = [w.strip().lower() for w in wanted.split(" OR ")]
        if str(value).lower() not in options:
            return False
    return True


def _page(state: RegionState, domain: str, token: dict[str, Any]) -> list[tuple[list[float], dict[str, Any]]]:
    lo, hi, asc = token["lo"], token["hi"], token["asc"]
    with state.lock:
        if hi is not None:
            hi += state.events_end_slack
        rows = [
            ([key[0], key[1]], event)
            for key, event in state.events.get(domain.lower(), [])
            if (lo is None or key[0] >= lo) and (hi is None or key[0] <= hi) and _matches(event, token["f"])
        ]
    if not asc:
        rows.reverse()
    if token.get("tail"):
        return rows[-token["lim"] :]
    cursor = token["cur"]
    if cursor is None:
        return rows[: token["lim"]]
    if token["back"]:  # the page before the cursor, in reading order
        return [r for r in rows if (r[0] < cursor if asc else r[0] > cursor)][-token["lim"] :]
    return [r for r in rows if (r[0] > cursor if asc else r[0] < cursor)][: token["lim"]]


def events(ctx: Ctx, state: RegionState) -> Response:
    domain = ctx.args["domain"]
    token = _decode(ctx.args["token"]) if "token" in ctx.args else _query_token(ctx)
    rows = _page(state, domain, token)
    base = f"{ctx.base_url}/v3/{domain}/events"

    def link(**changes: Any) -> str:
        return f"{base}/{_encode({**token, 'cur': None, 'back': False, 'tail': False, **changes})}"

    paging = {
        "first": link(),
        "last": link(tail=True),
        "next": link(cur=rows[-1][0] if rows else token["cur"]),
        "previous": link(cur=rows[0][0] if rows else token["cur"], back=True),
    }
    return json_response({"items": [event for _, event in rows], "paging": paging})


def rules() -> list[Rule]:
    return [
        Rule("/v3/<domain>/events", methods=["GET"], endpoint=events),
        Rule("/v3/<domain>/events/<token>", methods=["GET"], endpoint=events),
    ]
