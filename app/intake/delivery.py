"""Reading one intake request into a Delivery: its body kept byte for byte, its signature parts found.

Read straight from the WSGI environ (the intake is the hot path and skips Flask, see
app/intake/middleware.py), and storage-free. The body is read once, in chunks, into one buffer; the signature
fields are scanned out of it,
never a parsed second copy of a 25 MB message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wsgi import get_input_stream

from app.core.json_body import DEFAULT_MAX_DEPTH
from app.core.regions import normalize_region
from app.core.signing import SignedParts
from app.intake.signature_fields import UnreadableBody, from_json, scan_form

JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
READ_CHUNK = 1024 * 1024
# Headers worth keeping with the row for diagnosis; never Authorization or cookies.
KEPT_HEADERS = (
    "Content-Type",
    "Content-Length",
    "User-Agent",
    "X-Forwarded-For",
    "X-Request-Id",
    "X-Mailgun-Sid",
    "Content-Encoding",
)
# Where WSGI puts each of them: Content-Type and Content-Length without the HTTP_ prefix.
_KEPT_ENVIRON_KEYS = tuple(
    (name, key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}")
    for name in KEPT_HEADERS
    for key in [name.upper().replace("-", "_")]
)
_DOMAIN = re.compile(r"^[a-z0-9.-]{1,253}$")


class DeliveryError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True, slots=True)
class Delivery:
    route: str
    kind: str
    content_type: str
    body: bytes | bytearray
    headers: dict[str, str]
    signed: SignedParts | None
    region_hint: str | None
    domain_hint: str | None
    request_id: str | None


@dataclass(frozen=True, slots=True)
class RouteRules:
    """What one intake route accepts and how it names what arrived."""

    name: str
    max_bytes: int
    form_kind: str
    json_kind: str = "webhook"
    store_notify_kind: str | None = None


def read_delivery(
    environ: dict[str, Any],
    rules: RouteRules,
    request_id: str | None,
    json_max_depth: int = DEFAULT_MAX_DEPTH,
) -> Delivery:
    """The delivery in one WSGI request. `request_id` is the one already chosen for the request."""
    content_type = environ.get("CONTENT_TYPE", "")
    mimetype = content_type.partition(";")[0].strip().lower()
    if mimetype not in JSON_TYPES + FORM_TYPES:
        raise DeliveryError(
            415,
            "unsupported_media_type",
            "send application/json, application/x-www-form-urlencoded or multipart/form-data",
        )
    body = _read_body(environ, rules.max_bytes)
    try:
        if mimetype in JSON_TYPES:
            signed, kind = _json(body, rules, json_max_depth)
        else:
            signed, kind = _form(body, content_type, rules)
    except UnreadableBody as exc:
        raise DeliveryError(400, "unreadable_body", str(exc)) from None
    hints = _query_hints(environ.get("QUERY_STRING", ""))
    return Delivery(
        route=rules.name,
        kind=kind,
        content_type=content_type,
        body=body,
        headers={name: environ[key] for name, key in _KEPT_ENVIRON_KEYS if key in environ},
        signed=signed,
        region_hint=normalize_region(hints.get("region")),
        domain_hint=_domain_hint(hints.get("domain")),
        request_id=request_id,
    )


def _query_hints(query: str) -> dict[str, str]:
    """The query's parameters, the first value of each (as Flask's `request.args.get` would give)."""
    if not query:
        return {}
    hints: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        hints.setdefault(name, value)
    return hints


def _read_body(environ: dict[str, Any], limit: int) -> bytearray:
    if _content_length(environ) > limit:
        raise DeliveryError(413, "too_large", f"request body is over the {limit}-byte limit for this route")
    # Bounded by Content-Length, or read to the end of a chunked body when the server says it ends it.
    stream = get_input_stream(environ, max_content_length=None)
    body = bytearray()
    while chunk := stream.read(READ_CHUNK):
        body += chunk
        if len(body) > limit:
            raise DeliveryError(
                413, "too_large", f"request body is over the {limit}-byte limit for this route"
            )
    return body


def _content_length(environ: dict[str, Any]) -> int:
    try:
        return max(int(environ.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _json(body: bytearray, rules: RouteRules, max_depth: int) -> tuple[SignedParts | None, str]:
    signed, _document = from_json(body, max_depth)
    return signed, rules.json_kind


def _form(body: bytearray, content_type: str, rules: RouteRules) -> tuple[SignedParts | None, str]:
    scan = scan_form(body, content_type)
    if rules.store_notify_kind and "message-url" in scan.names:
        return scan.signed, rules.store_notify_kind
    return scan.signed, rules.form_kind


def _domain_hint(value: str | None) -> str | None:
    cleaned = (value or "").strip().lower()
    return cleaned if _DOMAIN.match(cleaned) else None
