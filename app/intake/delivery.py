"""Reading one intake request into a Delivery: its body kept byte for byte, its signature parts found.

Read straight from the WSGI environ (the intake is the hot path and skips Flask, see
app/intake/middleware.py), and storage-free. The body is read once, in chunks, into one buffer; a form's
signature fields are scanned out of each chunk as it arrives (app/intake/signature_fields.py), never a parsed
second copy of a 25 MB message. JSON is read only where Mailgun sends it (event webhooks, 1 MiB at most).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wsgi import get_input_stream

from app.core import multipart
from app.core.json_body import DEFAULT_MAX_DEPTH
from app.core.models.inbox_vocab import InboxKind
from app.core.regions import normalize_region
from app.core.signing import SignedParts
from app.core.task_names import DRAIN_INBOX
from app.intake.body_deadline import DEADLINES
from app.intake.signature_fields import (
    FormScanner,
    TooManyParts,
    UnreadableBody,
    form_scanner,
    from_json,
    json_signatures,
)

JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Small enough that the chunk in hand adds little to the body being kept (a request costs about the body
# once, not twice), large enough that a 1 MiB webhook takes a few reads.
READ_CHUNK = 64 * 1024
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
    # A JSON body's signature blocks, found by a scan: `signed` is only known once the body is decoded,
    # which waits until one of these holds (`decode_signed_json`).
    candidates: tuple[SignedParts, ...] = ()


@dataclass(frozen=True, slots=True)
class RouteRules:
    """What one intake route accepts and how it names what arrived."""

    name: str
    max_bytes: int
    form_kind: str
    json_kind: str | None = InboxKind.WEBHOOK  # None: the route takes no JSON
    store_notify_kind: str | None = None
    drain_task: str = DRAIN_INBOX  # the drain of the inbox lane its rows are in (workers/events/drain.py)


def read_delivery(
    environ: dict[str, Any],
    rules: RouteRules,
    request_id: str | None,
    body_seconds: float,
    json_max_depth: int = DEFAULT_MAX_DEPTH,
) -> Delivery:
    """The delivery in one WSGI request. `request_id` is the one already chosen for the request; the body
    must have arrived within `body_seconds`."""
    content_type = environ.get("CONTENT_TYPE", "")
    mimetype = multipart.media_type(content_type)  # as every reader of the body will see it
    _check_media_type(mimetype, rules)
    try:
        candidates: tuple[SignedParts, ...] = ()
        if mimetype in JSON_TYPES:
            assert rules.json_kind is not None  # _check_media_type refused JSON on this route otherwise
            body = _read_body(environ, rules.max_bytes, None, body_seconds)
            signed, kind, candidates = None, rules.json_kind, json_signatures(body)
        else:
            scanner = form_scanner(content_type)
            body = _read_body(environ, rules.max_bytes, scanner, body_seconds)
            signed, kind = _form(body, scanner, rules)
    except TooManyParts as exc:
        raise DeliveryError(413, "too_many_parts", str(exc)) from None
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
        candidates=candidates,
    )


def _check_media_type(mimetype: str, rules: RouteRules) -> None:
    """Refused before a byte of the body is read."""
    if mimetype in JSON_TYPES and rules.json_kind is None:
        raise DeliveryError(
            415,
            "unsupported_media_type",
            "this route takes Mailgun's route posts (application/x-www-form-urlencoded or "
            "multipart/form-data); JSON event webhooks go to /webhooks/mailgun",
        )
    if mimetype not in JSON_TYPES + FORM_TYPES:
        accepted = (*JSON_TYPES, *FORM_TYPES) if rules.json_kind else FORM_TYPES
        raise DeliveryError(415, "unsupported_media_type", f"send {' or '.join(accepted)}")


def _query_hints(query: str) -> dict[str, str]:
    """The query's parameters, the first value of each (as Flask's `request.args.get` would give)."""
    if not query:
        return {}
    hints: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        hints.setdefault(name, value)
    return hints


def _read_body(environ: dict[str, Any], limit: int, scanner: FormScanner | None, seconds: float) -> bytearray:
    if _content_length(environ) > limit:
        raise DeliveryError(413, "too_large", f"request body is over the {limit}-byte limit for this route")
    # Bounded by Content-Length, or read to the end of a chunked body when the server says it ends it.
    stream = get_input_stream(environ, max_content_length=None)
    body = bytearray()
    with DEADLINES.watch(environ.get("gunicorn.socket"), seconds) as watch:
        try:
            while chunk := stream.read(READ_CHUNK):
                start = len(body)
                body += chunk
                if len(body) > limit:
                    raise DeliveryError(
                        413, "too_large", f"request body is over the {limit}-byte limit for this route"
                    )
                if scanner is not None:
                    scanner.feed(body, start)
        except Exception:
            if not watch.expired:
                raise
    if watch.expired:  # the read was cut short: what arrived is not the whole body
        raise DeliveryError(408, "body_timeout", f"the request body did not arrive within {seconds:g} s")
    return body


def _content_length(environ: dict[str, Any]) -> int:
    try:
        return max(int(environ.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def decode_signed_json(delivery: Delivery, max_depth: int) -> Delivery:
    """A JSON delivery one of whose candidate blocks holds, decoded: `signed` is now its own top-level
    block, which the caller checks. Raises DeliveryError when the body is no JSON object."""
    try:
        signed, _document = from_json(delivery.body, max_depth)
    except UnreadableBody as exc:
        raise DeliveryError(400, "unreadable_body", str(exc)) from None
    return replace(delivery, signed=signed, candidates=())


def _form(body: bytearray, scanner: FormScanner, rules: RouteRules) -> tuple[SignedParts | None, str]:
    scan = scanner.finish(body)
    if rules.store_notify_kind and scan.store_notify:
        return scan.signed, rules.store_notify_kind
    return scan.signed, rules.form_kind


def _domain_hint(value: str | None) -> str | None:
    cleaned = (value or "").strip().lower()
    return cleaned if _DOMAIN.match(cleaned) else None
