"""Reading one intake request into a Delivery: its body kept byte for byte, its signature parts found.

Flask-aware but storage-free. The body is read once, in chunks, into one buffer; the signature fields are
scanned out of it, never a parsed second copy of a 25 MB message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Request

from app.logs import request_id_var
from app.regions import normalize_region
from app.signature_fields import UnreadableBody, from_json, scan_form
from app.signing import SignedParts

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
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
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


def read_delivery(request: Request, rules: RouteRules) -> Delivery:
    mimetype = request.mimetype
    if mimetype not in JSON_TYPES + FORM_TYPES:
        raise DeliveryError(
            415,
            "unsupported_media_type",
            "send application/json, application/x-www-form-urlencoded or multipart/form-data",
        )
    body = _read_body(request, rules.max_bytes)
    content_type = request.content_type or mimetype
    try:
        signed, kind = _json(body, rules) if mimetype in JSON_TYPES else _form(body, content_type, rules)
    except UnreadableBody as exc:
        raise DeliveryError(400, "unreadable_body", str(exc)) from None
    return Delivery(
        route=rules.name,
        kind=kind,
        content_type=content_type,
        body=body,
        headers=_kept_headers(request),
        signed=signed,
        region_hint=normalize_region(request.args.get("region")),
        domain_hint=_domain_hint(request.args.get("domain")),
        request_id=_request_id(request),
    )


def _kept_headers(request: Request) -> dict[str, str]:
    headers = request.headers
    return {name: value for name in KEPT_HEADERS if (value := headers.get(name)) is not None}


def _read_body(request: Request, limit: int) -> bytearray:
    if (request.content_length or 0) > limit:
        raise DeliveryError(413, "too_large", f"request body is over the {limit}-byte limit for this route")
    body = bytearray()
    while chunk := request.stream.read(READ_CHUNK):
        body += chunk
        if len(body) > limit:
            raise DeliveryError(
                413, "too_large", f"request body is over the {limit}-byte limit for this route"
            )
    return body


def _json(body: bytearray, rules: RouteRules) -> tuple[SignedParts | None, str]:
    signed, _document = from_json(body)
    return signed, rules.json_kind


def _form(body: bytearray, content_type: str, rules: RouteRules) -> tuple[SignedParts | None, str]:
    scan = scan_form(body, content_type)
    if rules.store_notify_kind and "message-url" in scan.names:
        return scan.signed, rules.store_notify_kind
    return scan.signed, rules.form_kind


def _domain_hint(value: str | None) -> str | None:
    cleaned = (value or "").strip().lower()
    return cleaned if _DOMAIN.match(cleaned) else None


def _request_id(request: Request) -> str | None:
    # Set for every request by app.observability (the caller's X-Request-Id when valid, else a new one).
    given = request_id_var.get() or request.headers.get("X-Request-Id", "")
    return given if _REQUEST_ID.match(given) else None
