"""The body of POST /subscriptions, read and checked: `{"url", "types"?, "region"?}`. Pure: no Flask.

Every refusal is a 400 naming the field. Unknown fields are refused, as unknown query parameters are
everywhere in the API: a misspelt `type` silently ignored would subscribe to every event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.api.problems import ApiError
from app.core.models.events_vocab import EventType
from app.core.regions import REGIONS
from app.core.subscription_urls import RefusedUrl, checked_url

MAX_BODY_BYTES = 8 * 1024
FIELDS = ("url", "types", "region")


@dataclass(frozen=True, slots=True)
class NewSubscription:
    url: str
    types: list[str] | None
    region: str | None


def read_body(raw: bytes, allowed_hosts: tuple[str, ...]) -> NewSubscription:
    document = _document(raw)
    unknown = sorted(set(document) - set(FIELDS))
    if unknown:
        raise _bad_field(unknown[0], f"is unknown here; known: {', '.join(FIELDS)}")
    try:
        url = checked_url(document.get("url"), allowed_hosts)
    except RefusedUrl as exc:
        raise _bad_field("url", str(exc)) from None
    return NewSubscription(url, _types(document.get("types")), _region(document.get("region")))


def names_region(raw: bytes) -> bool:
    """Whether the body gives a `region` (right or wrong: read_body judges it)."""
    try:
        document = json.loads(raw) if len(raw) <= MAX_BODY_BYTES else None
    except ValueError:
        return False
    return isinstance(document, dict) and document.get("region") is not None


def _document(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(400, "bad_body", f"the body must be a JSON object of at most {MAX_BODY_BYTES} bytes")
    try:
        document = json.loads(raw)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise ApiError(400, "bad_body", 'the body must be a JSON object such as {"url": "https://..."}')
    return document


def _types(raw: Any) -> list[str] | None:
    if raw is None:
        return None
    known = tuple(EventType)
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(t, str) and t.lower() in known for t in raw)
    ):
        raise _bad_field("types", f"must be a non-empty list of event types: {', '.join(known)}")
    return sorted({t.lower() for t in raw})


def _region(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or raw.strip().lower() not in REGIONS:
        raise _bad_field("region", f"must be one of {', '.join(REGIONS)}")
    return raw.strip().lower()


def _bad_field(name: str, problem: str) -> ApiError:
    return ApiError(400, "bad_field", f"field {name!r} {problem}")
