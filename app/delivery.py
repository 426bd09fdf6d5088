"""Reading one intake request into a Delivery: its body kept byte for byte, its signature parts found.

Flask-aware but storage-free: it knows request objects, not databases.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge

from app.regions import normalize_region
from app.signing import SignedParts

JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
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
    body: bytes
    headers: dict[str, str]
    signed: SignedParts | None
    region_hint: str | None
    domain_hint: str | None
    request_id: str | None


def read_delivery(request: Request, route: str) -> Delivery:
    mimetype = request.mimetype
    if mimetype not in JSON_TYPES + FORM_TYPES:
        raise DeliveryError(
            415,
            "unsupported_media_type",
            "send application/json, application/x-www-form-urlencoded or multipart/form-data",
        )
    try:
        body = request.get_data(cache=True)
        signed, kind = _json_parts(body) if mimetype in JSON_TYPES else _form_parts(request)
    except RequestEntityTooLarge:
        raise DeliveryError(413, "too_large", "request body is over the limit for this route") from None
    return Delivery(
        route=route,
        kind=kind,
        content_type=request.content_type or mimetype,
        body=body,
        headers={h: request.headers[h] for h in KEPT_HEADERS if h in request.headers},
        signed=signed,
        region_hint=normalize_region(request.args.get("region")),
        domain_hint=_domain_hint(request.args.get("domain")),
        request_id=_request_id(request),
    )


def _json_parts(body: bytes) -> tuple[SignedParts | None, str]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise DeliveryError(400, "unreadable_body", "body is not valid JSON") from None
    if not isinstance(document, dict):
        raise DeliveryError(400, "unreadable_body", "body must be a JSON object")
    signature = document.get("signature")
    if not isinstance(signature, dict):
        return None, "webhook"
    return SignedParts(
        _text(signature.get("timestamp")), _text(signature.get("token")), _text(signature.get("signature"))
    ), "webhook"


def _form_parts(request: Request) -> tuple[SignedParts | None, str]:
    try:
        form = request.form
    except ValueError:
        raise DeliveryError(400, "unreadable_body", "form body could not be parsed") from None
    if request.files.getlist("token") or request.files.getlist("signature"):
        raise DeliveryError(400, "unreadable_body", "signature fields must be form values, not files")
    # On a name clash with user variables Mailgun posts its own signature fields last.
    last = {name: (form.getlist(name) or [""])[-1] for name in ("timestamp", "token", "signature")}
    return SignedParts(last["timestamp"], last["token"], last["signature"]), "legacy_webhook"


def _text(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    return str(value) if isinstance(value, str | int | float) else ""


def _domain_hint(value: str | None) -> str | None:
    cleaned = (value or "").strip().lower()
    return cleaned if _DOMAIN.match(cleaned) else None


def _request_id(request: Request) -> str | None:
    given = request.headers.get("X-Request-Id", "")
    return given if _REQUEST_ID.match(given) else None
