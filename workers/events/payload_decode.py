"""Decoding the pieces of a Mailgun payload: form bodies, addresses, ids, tags, user variables, status codes.

Pure: no I/O, no framework imports. Everything here either returns a value fit for a Postgres text or JSONB
column or raises NormalizationError, whatever the input.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from email.utils import getaddresses
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from app.core import json_body, multipart

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = multipart.MULTIPART

_DOMAIN = re.compile(r"(?:[\w-]+\.)+[\w-]+")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EARLIEST = Decimal(946_684_800)  # 2000-01-01: older than any Mailgun event
_LATEST = Decimal(4_102_444_800)  # 2100-01-01
_EARLIEST_SECONDS, _LATEST_SECONDS = int(_EARLIEST), int(_LATEST)
_ABSURD = Decimal(10) ** 20  # beyond even nanoseconds: refused before any arithmetic can overflow
# (threshold, divisor): a timestamp this large is in a finer unit than seconds.
_UNIT_SCALES = ((Decimal(10) ** 17, Decimal(10) ** 9), (Decimal(10) ** 14, Decimal(10) ** 6),
                (Decimal(10) ** 11, Decimal(10) ** 3))  # fmt: skip
_MICROSECOND = Decimal(1_000_000)
_SURROGATE = re.compile("[\ud800-\udfff]")
_STORAGE_PATH = re.compile(r"/v3/domains/([^/]+)/messages(?:/|$)")


class NormalizationError(ValueError):
    """A payload that cannot become an event. The message says why, in words fit for a dead-letter row."""


@dataclass(slots=True)
class EventFields:
    """What one payload says, read but not yet combined with configuration and hints."""

    event: str
    timestamp: object
    source: str
    payload: dict[str, Any]
    event_id: str | None = None
    severity: str | None = None
    domain: str | None = None
    storage_url: str | None = None
    envelope_sender: str | None = None
    recipient: str | None = None
    to_header: str | None = None
    message_id: str | None = None
    tags: list[str] = field(default_factory=list)
    user_variables: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    delivery_status: dict[str, Any] | None = None
    url: str | None = None
    ip: str | None = None
    client_info: dict[str, Any] | None = None
    geolocation: dict[str, Any] | None = None
    mailing_list: dict[str, Any] | None = None


# --- text and JSON ---


def clean_text(value: str) -> str:
    """The string with NUL and lone surrogates replaced.

    Postgres refuses both in text and JSONB columns, and one refused row would fail a whole batch insert.
    """
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    if not value.isascii():
        value = _SURROGATE.sub("\ufffd", value)
    return value


def opt_text(value: object) -> str | None:
    """A stripped, non-empty string, or None for anything else."""
    if not isinstance(value, str):
        return None
    return clean_text(value).strip() or None


def json_safe(value: object) -> Any:
    """A deep copy that json.dumps and Postgres JSONB both accept (non-finite floats become null)."""
    # Decoded JSON's own types first, by exact type: this runs for every value of every event payload, and
    # an isinstance check against an ABC such as Mapping costs several times more.
    if type(value) is str:
        return clean_text(value)
    if type(value) is dict:
        return {_safe_key(key): json_safe(item) for key, item in value.items()}
    if type(value) is list:
        return [json_safe(item) for item in value]
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {_safe_key(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return clean_text(str(value))


def _safe_key(key: object) -> str:
    if type(key) is str and key.isascii() and "\x00" not in key:
        return key
    return clean_text(str(key))


def dict_or_none(value: object) -> dict[str, Any] | None:
    return json_safe(value) if isinstance(value, Mapping) else None


def get_path(value: object, *keys: str) -> object:
    """value[k1][k2]... through JSON objects, None as soon as a step is not an object."""
    for key in keys:
        if type(value) is not dict and not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


# --- addresses, domains, ids ---


def clean_message_id(value: object) -> str | None:
    """Message-Id without whitespace or angle brackets: Mailgun's events omit them, its send API adds them."""
    text = opt_text(value)
    if text is None:
        return None
    return text.removeprefix("<").removesuffix(">").strip() or None


def clean_address(value: object) -> str | None:
    """An address lower-cased whole, so lookups by recipient match however the sender spelled it."""
    text = opt_text(value)
    return text.lower() if text else None


def first_address(header: str | None) -> str | None:
    """The first mailbox in an address header such as `Alice <alice@example.com>, bob@example.com`."""
    if not header:
        return None
    try:
        pairs = getaddresses([header])
    except (ValueError, TypeError, IndexError):
        return None
    return next((clean_address(addr) for _, addr in pairs if "@" in addr), None)


def clean_domain(value: object) -> str | None:
    """A lower-cased domain name, or None when the value does not look like one."""
    text = opt_text(value)
    if text is None:
        return None
    text = text.lower().rstrip(".")
    return text if len(text) <= 253 and _DOMAIN.fullmatch(text) else None


def address_domain(address: object) -> str | None:
    text = opt_text(address)
    if text is None or "@" not in text:
        return None
    return clean_domain(text.rpartition("@")[2].rstrip(">"))


def storage_domain(url: str | None) -> str | None:
    """The sending domain named in a storage URL (`/v3/domains/{domain}/messages/{key}`)."""
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    match = _STORAGE_PATH.search(path)
    return clean_domain(unquote(match.group(1))) if match else None


# --- tags, user variables, status codes ---


def clean_tags(values: Iterable[object]) -> list[str]:
    """Tags stripped and de-duplicated, first occurrence first."""
    seen: dict[str, None] = {}
    for value in values:
        tag = opt_text(value)
        if tag is not None:
            seen.setdefault(tag, None)
    return list(seen)


def parse_user_variables(value: object) -> dict[str, Any]:
    """Always a dict. `[]` is Mailgun's spelling of "none"; text that is no JSON object is kept as `_raw`."""
    if isinstance(value, Mapping):
        return json_safe(value)
    if isinstance(value, str):
        return _user_variables_from_text(value)
    return {}


def _user_variables_from_text(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        # Every digit kept, and no deeper than what the stores keep: past that the text is kept as `_raw`.
        decoded = json_body.loads(text)
    except (ValueError, RecursionError):
        decoded = None
    if isinstance(decoded, dict):
        return json_safe(decoded)
    return {} if decoded == [] else {"_raw": clean_text(text)}


def parse_code(value: object) -> int | str | None:
    """An SMTP (or Mailgun pseudo) status code: int when numeric, else the text as given."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = opt_text(value)
    # The length cap keeps int() away from Python's digit limit and the result inside a bigint.
    if text is not None and text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return text


def parse_count(value: object) -> int | None:
    code = parse_code(value)
    return code if isinstance(code, int) else None


def delivery_status(
    code: object,
    enhanced_code: object,
    message: object,
    description: object,
    attempt_no: object = None,
    bounce_type: object = None,
) -> dict[str, Any]:
    """The one shape of delivery status the events table holds; empty texts become None."""
    return {
        "code": parse_code(code),
        "enhanced_code": opt_text(enhanced_code),
        "message": opt_text(message),
        "description": opt_text(description),
        "attempt_no": parse_count(attempt_no),
        "bounce_type": opt_text(bounce_type),
    }


# --- timestamps ---


def parse_timestamp(value: object) -> datetime:
    """Epoch seconds (float, int or numeric text) to an aware UTC datetime, microseconds kept exactly."""
    if type(value) is float:
        plain = _plain_seconds(repr(value))
        if plain is not None:
            return _EPOCH + timedelta(seconds=plain[0], microseconds=plain[1])
    seconds = _as_decimal(value)
    if seconds is None or not seconds.is_finite() or not 0 <= seconds < _ABSURD:
        raise NormalizationError(f"timestamp is missing or not a number: {_preview(value)}")
    for threshold, divisor in _UNIT_SCALES:
        if seconds >= threshold:
            seconds = seconds / divisor
            break
    if not _EARLIEST <= seconds < _LATEST:
        raise NormalizationError(f"timestamp is outside 2000-2100: {_preview(value)}")
    micros = (seconds * _MICROSECOND).to_integral_value(rounding=ROUND_HALF_EVEN)
    return _EPOCH + timedelta(microseconds=int(micros))


def _plain_seconds(text: str) -> tuple[int, int] | None:
    """(seconds, microseconds) of a float's shortest text when it is plain epoch seconds within 2000-2100
    with at most six decimals, as every Mailgun webhook writes it; else None, for the Decimal path, which
    gives the same answer for these. Reading the digits costs a sixth of the Decimal arithmetic, and this
    runs for every event the drain stores."""
    whole, dot, fraction = text.partition(".")
    if not dot or len(fraction) > 6 or not whole.isdigit() or not fraction.isdigit():
        return None  # an exponent, a sign, nan or inf, or digits past the microsecond to round
    seconds = int(whole)
    if not _EARLIEST_SECONDS <= seconds < _LATEST_SECONDS:
        return None  # another unit, or outside 2000-2100: the Decimal path says which
    return seconds, int(fraction.ljust(6, "0"))


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr is the shortest text that reads back as this float: the digits Mailgun wrote, not binary noise.
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def _preview(value: object) -> str:
    if isinstance(value, int) and value.bit_length() > 64:
        return "a huge integer"  # repr() of a long enough int raises instead of answering
    return repr(value)[:60]


# --- form bodies ---


def decode_form_body(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """Ordered (name, value) pairs of a form POST, repeated names repeated.

    File parts of a multipart body are reported as (name, filename): the event needs no file content, and the
    pair still shows that the file was there. Invalid UTF-8 is replaced, never raised. Multipart is read by
    the one reader every form goes through (app/core/multipart.py), so this decodes a body exactly as the
    intake's signature scan and the route forwards do.
    """
    if not isinstance(content_type, str) or not isinstance(body, bytes | bytearray | memoryview):
        raise NormalizationError("a form body must be bytes with a content type string")
    media_type = multipart.media_type(content_type)
    if media_type == URLENCODED:
        return _decode_urlencoded(bytes(body))
    if media_type == MULTIPART:
        return _decode_multipart(content_type, bytes(body))
    raise NormalizationError(f"unsupported form content type {media_type!r}")


def _decode_urlencoded(body: bytes) -> list[tuple[str, str]]:
    text = body.decode("utf-8", "replace")
    pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace")
    return [(clean_text(name), clean_text(value)) for name, value in pairs]


def _decode_multipart(content_type: str, body: bytes) -> list[tuple[str, str]]:
    try:
        parts = multipart.read_parts(content_type, body)
    except multipart.MultipartError as exc:
        raise NormalizationError(f"unreadable multipart body: {exc}") from None
    return [
        (clean_text(part.name), clean_text(_part_value(part, content)))
        for part, content in parts
        if part.name is not None
    ]


def _part_value(part: multipart.Part, content: bytes) -> str:
    if part.filename is not None:
        return part.filename
    return multipart.field_text(content, part.charset)
