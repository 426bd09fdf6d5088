"""Logs API: ``POST /v1/analytics/logs`` (the Events API's successor, one query per account and region).

The body is checked by the spec first; this module then holds it to what the schema only describes:
``start``/``end`` RFC 2822 dates (``duration``, when given, counts back from ``end`` and overrides
``start``), ``pagination.limit`` at most 100, ``sort`` on ``timestamp``, and a filter it can apply
(``domain``, ``event`` and ``recipient`` with ``=``; anything else is a 501, never a silent "match all").

The fake serves the same event log as its Events API (``add_events``): each item is turned into the
Logs shape (``@timestamp`` ISO 8601 with milliseconds, truncated; ``domain: {name}``; ``user-variables``
as JSON text; ``storage.url`` a list) and its epoch ``timestamp`` dropped. Both ends of the range are
exclusive, the worst reading of "start"/"end" for a client that wants every event of a window. A
subaccount's events are listed only with ``include_subaccounts: true``. A page's
``pagination.next`` is present only while items remain, as a token that is re-sent with the same query.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .common import ApiError, Ctx, json_response, rfc2822
from .state import RegionState

MAX_LIMIT = 100
DEFAULT_LIMIT = 10
DEFAULT_RANGE = timedelta(days=1)
_DURATION = re.compile(r"^(\d+)([dhms])$")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
# The Logs API's item model always has these flags (the Events API's items often lack some).
_FLAGS = ("is-authenticated", "is-system-test", "is-routed", "is-test-mode", "is-delayed-bounce",
          "is-callback", "is-webhook")  # fmt: skip
_FILTERABLE = {"domain": ("domain", "name"), "event": ("event",), "recipient": ("recipient",)}


def _when(body: dict[str, Any], name: str) -> datetime | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"'{name}' must be an RFC 2822 date, got {value!r}", invalid=True) from None
    if moment.tzinfo is None:
        raise ApiError(400, f"'{name}' must carry a zone offset, got {value!r}", invalid=True)
    return moment


def _range(body: dict[str, Any], now: datetime) -> tuple[datetime, datetime]:
    end = _when(body, "end") or now
    start = _when(body, "start") or end - DEFAULT_RANGE
    if body.get("duration") is not None:
        match = _DURATION.match(str(body["duration"]))
        if match is None:
            raise ApiError(400, f"Invalid duration {body['duration']!r}", invalid=True)
        start = end - timedelta(seconds=int(match[1]) * _UNITS[match[2]])
    if start > end:
        raise ApiError(400, "'start' must be before 'end'", invalid=True)
    return start, end


def _filters(body: dict[str, Any]) -> list[tuple[tuple[str, ...], set[str]]]:
    found = []
    for predicate in (body.get("filter") or {}).get("AND", []):
        attribute, comparator = predicate["attribute"], predicate["comparator"]
        if attribute not in _FILTERABLE or comparator != "=":
            raise ApiError(501, f"fake Mailgun does not filter on {attribute} {comparator}")
        found.append((_FILTERABLE[attribute], {v["value"].lower() for v in predicate["values"]}))
    return found


def _value(item: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = item
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def as_log_item(domain: str, event: dict[str, Any]) -> dict[str, Any]:
    """An Events API item as the Logs API shows it."""
    item = {key: value for key, value in event.items() if key != "timestamp"}
    moment = datetime.fromtimestamp(float(event["timestamp"]), UTC)
    item["@timestamp"] = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    item["domain"] = {"name": domain}
    if isinstance(item.get("user-variables"), dict | list):
        item["user-variables"] = json.dumps(item["user-variables"])
    if isinstance(item.get("flags"), dict):
        item["flags"] = {**dict.fromkeys(_FLAGS, False), **item["flags"]}
    storage = item.get("storage")
    if isinstance(storage, dict) and isinstance(storage.get("url"), str):
        item["storage"] = {**storage, "url": [storage["url"]]}
    return item


def _token(cursor: list[float]) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")


def _cursor(token: str | None) -> list[float] | None:
    if token is None:
        return None
    try:
        cursor = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        raise ApiError(400, "Invalid pagination token", invalid=True) from None
    if not (isinstance(cursor, list) and len(cursor) == 2):
        raise ApiError(400, "Invalid pagination token", invalid=True)
    return cursor


def logs(ctx: Ctx, state: RegionState) -> Response:
    body = ctx.request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object", invalid=True)
    start, end = _range(body, datetime.now(UTC))
    pagination = body.get("pagination") or {}
    limit = pagination.get("limit", DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, f"pagination.limit must be between 1 and {MAX_LIMIT}", invalid=True)
    sort = pagination.get("sort", "timestamp:desc")
    if sort not in ("timestamp:asc", "timestamp:desc"):
        raise ApiError(400, f"Invalid sort {sort!r}", invalid=True)
    filters, wanted = _filters(body), set(body.get("events") or [])
    subaccounts = body.get("include_subaccounts") is True
    lo, hi = start.timestamp(), end.timestamp()
    with state.lock:
        hi += state.events_end_slack
        rows = [
            ([key[0], key[1]], as_log_item(domain, event))
            for domain, bucket in state.events.items()
            if subaccounts or domain not in state.subaccounts
            for key, event in bucket
            if lo < key[0] < hi and (not wanted or event.get("event") in wanted)
        ]
    rows = [(key, item) for key, item in rows
            if all(str(_value(item, path)).lower() in values for path, values in filters)]  # fmt: skip
    ascending = sort == "timestamp:asc"
    rows.sort(key=lambda row: row[0], reverse=not ascending)
    paging: dict[str, Any] = {"total": len(rows)}
    cursor = _cursor(pagination.get("token"))
    if cursor is not None:
        rows = [row for row in rows if (row[0] > cursor if ascending else row[0] < cursor)]
    page, rest = rows[:limit], rows[limit:]
    if page and rest:
        paging["next"] = _token(page[-1][0])
    answer = {"start": rfc2822(lo), "end": rfc2822(end.timestamp()), "items": [item for _, item in page],
              "pagination": paging, "aggregates": {}}  # fmt: skip
    return json_response(answer)


def rules() -> list[Rule]:
    return [Rule("/v1/analytics/logs", methods=["POST"], endpoint=logs)]
