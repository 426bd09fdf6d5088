"""Finding Mailgun's signature fields in a raw body without building the whole form in memory.

An inbound message can be 25 MB. The web process needs only three small fields from it (timestamp, token,
signature) and keeps the body itself byte for byte, so the body is scanned, never parsed into a second copy.
Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote_plus

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from app.core import json_body
from app.core.signing import SignedParts

NAMES = ("timestamp", "token", "signature")
# Bigger than any real signature field; a longer value is not Mailgun's and is cut off, then refused.
MAX_FIELD_BYTES = 1024
SCAN_CHUNK = 256 * 1024
_URLENCODED_FIELD = re.compile(rb"(?:^|&)([^=&]*)=([^&]*)")


class UnreadableBody(ValueError):
    """The body does not parse as its content type says."""


@dataclass(frozen=True, slots=True)
class FormScan:
    signed: SignedParts | None
    names: frozenset[str]  # every field name present: tells a store() notification or a misrouted post


def from_json(
    body: bytes | bytearray, max_depth: int = json_body.DEFAULT_MAX_DEPTH
) -> tuple[SignedParts | None, dict[str, object]]:
    try:
        # Inexact numbers are fine here: only the signature's strings are read, the bytes are kept as sent.
        document = json_body.loads(body, max_depth=max_depth, exact=False)
    except json_body.TooDeep as exc:
        raise UnreadableBody(str(exc)) from None
    except (ValueError, RecursionError):
        raise UnreadableBody("body is not valid JSON") from None
    if not isinstance(document, dict):
        raise UnreadableBody("body must be a JSON object")
    block = document.get("signature")
    if not isinstance(block, dict):
        return None, document
    return SignedParts(*(_text(block.get(name)) for name in NAMES)), document


def scan_form(body: bytes | bytearray, content_type: str) -> FormScan:
    if content_type.startswith("multipart/"):
        return _scan_multipart(body, content_type)
    return _scan_urlencoded(body)


def _scan_urlencoded(body: bytes | bytearray) -> FormScan:
    # On a name clash with user variables Mailgun posts its own signature fields last: the last one wins.
    found: dict[str, str] = {}
    names: set[str] = set()
    for match in _URLENCODED_FIELD.finditer(body):
        name = unquote_plus(bytes(match.group(1)[:MAX_FIELD_BYTES]).decode("utf-8", "replace"))
        names.add(name)
        if name in NAMES:
            found[name] = unquote_plus(bytes(match.group(2)[:MAX_FIELD_BYTES]).decode("utf-8", "replace"))
    return FormScan(_parts(found), frozenset(names))


def _scan_multipart(body: bytes | bytearray, content_type: str) -> FormScan:
    boundary = parse_options_header(content_type)[1].get("boundary", "")
    if not boundary:
        raise UnreadableBody("multipart body without a boundary")
    scan = _MultipartScan(boundary.encode("latin-1"))
    view = memoryview(body)
    try:
        for start in range(0, len(view), SCAN_CHUNK):
            scan.feed(view[start : start + SCAN_CHUNK])
        scan.feed(None)
    except ValueError:
        raise UnreadableBody("multipart body could not be parsed") from None
    return FormScan(_parts(scan.found), frozenset(scan.names))


class _MultipartScan:
    """Feeds werkzeug's event-based decoder and keeps only the signature fields' values."""

    def __init__(self, boundary: bytes) -> None:
        self.decoder = MultipartDecoder(boundary, max_parts=100_000)
        self.found: dict[str, str] = {}
        self.names: set[str] = set()
        self.current: str | None = None
        self.value = b""

    def feed(self, chunk: memoryview | None) -> None:
        # The decoder only slices and searches its input, which a memoryview supports without a copy.
        self.decoder.receive_data(chunk)  # type: ignore[arg-type]
        while not isinstance(event := self.decoder.next_event(), NeedData | Epilogue):
            if isinstance(event, File) and event.name in NAMES:
                raise UnreadableBody("signature fields must be form values, not files")
            if isinstance(event, Field | File):
                self.names.add(event.name)
                self.current = event.name if isinstance(event, Field) and event.name in NAMES else None
                self.value = b""
            elif isinstance(event, Data) and self.current is not None:
                self.value = (self.value + bytes(event.data))[:MAX_FIELD_BYTES]
                if not event.more_data:
                    self.found[self.current] = self.value.decode("utf-8", "replace")


def _parts(found: dict[str, str]) -> SignedParts | None:
    if not found:
        return None
    return SignedParts(*(found.get(name, "") for name in NAMES))


def _text(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    return str(value) if isinstance(value, str | int | float) else ""
