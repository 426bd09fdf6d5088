"""Finding Mailgun's signature fields in a form body as it arrives, keeping nothing per field.

An inbound message can be 25 MB, and anyone can send one unsigned. The web process needs only three small
fields from it (timestamp, token, signature) and whether it is a store() notification (`message-url`); it
keeps the body itself byte for byte, so the body is scanned as each chunk arrives, never parsed into a
second copy, and the scan's own state is those few values whatever the number of fields or parts.
Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import unquote, unquote_plus

from app.core import json_body, multipart
from app.core.signing import SignedParts

NAMES = ("timestamp", "token", "signature")
STORE_NOTIFY_FIELD = "message-url"
# Bigger than any real signature field; a longer value is not Mailgun's and is cut off, then refused.
MAX_FIELD_BYTES = 1024


class UnreadableBody(ValueError):
    """The body does not parse as its content type says."""


class TooManyParts(UnreadableBody):
    """A multipart body with more parts than any Mailgun post has."""


@dataclass(frozen=True, slots=True)
class FormScan:
    signed: SignedParts | None
    store_notify: bool  # a `message-url` field: a store() notification rather than a forward


class FormScanner(Protocol):
    def feed(self, body: bytearray, start: int) -> None:
        """`body[start:]` has just arrived (the body so far is `body`)."""

    def finish(self, body: bytearray) -> FormScan: ...


# A JSON webhook's signature block: a flat object of three short values, found without decoding the body.
# Between two candidates there is always a brace, where the bounded run stops: the scan stays linear.
_JSON_SIGNATURE = re.compile(rb'"signature"\s*:\s*(\{[^{}]{0,%d}\})' % MAX_FIELD_BYTES)
MAX_JSON_CANDIDATES = 8


def json_signatures(body: bytes | bytearray) -> tuple[SignedParts, ...]:
    """The signature blocks a JSON body may hold, in the body's order, read without decoding the body.

    The top-level block is among them; a sender can put look-alikes in the event's user variables, so the
    intake verifies each in turn and then confirms the one that holds is the body's own (`from_json`). An
    unsigned body therefore costs a scan, never a decoded document."""
    found: list[SignedParts] = []
    for match in _JSON_SIGNATURE.finditer(body):
        try:
            block = json_body.loads(match.group(1), exact=False)
        except ValueError:
            continue
        if isinstance(block, dict):
            found.append(_json_block(block))
            if len(found) == MAX_JSON_CANDIDATES:
                break
    return tuple(found)


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
    return _json_block(block), document


def _json_block(block: dict[str, object]) -> SignedParts:
    # `parent-signature`: a subaccount's delivery, signed with its parent's key too.
    return SignedParts(*(_text(block.get(name)) for name in (*NAMES, "parent-signature")))


def form_scanner(content_type: str) -> FormScanner:
    if multipart.media_type(content_type) == multipart.MULTIPART:
        try:
            return MultipartScan(multipart.boundary(content_type))
        except multipart.MultipartError as exc:
            raise UnreadableBody(str(exc)) from None
    return UrlencodedScan()


def scan_form(body: bytes | bytearray, content_type: str) -> FormScan:
    """The scan of a whole body at once (as the intake would read it arriving)."""
    scanner = form_scanner(content_type)
    buffer = bytearray(body)
    scanner.feed(buffer, 0)
    return scanner.finish(buffer)


def _encoded(name: str) -> bytes:
    """A pattern for `name` as a form may spell it: each byte literal or percent-encoded (either case)."""
    return b"".join(b"(?:%s|%%(?i:%02x))" % (re.escape(bytes([byte])), byte) for byte in name.encode())


_WANTED = b"|".join(_encoded(name) for name in (*NAMES, STORE_NOTIFY_FIELD))
# Every other field is passed over inside the regular expression engine, never visited one by one in Python.
_FIELD = re.compile(rb"&(%s)=([^&]{0,%d})" % (_WANTED, MAX_FIELD_BYTES))
_FIRST_FIELD = re.compile(rb"(%s)=([^&]{0,%d})" % (_WANTED, MAX_FIELD_BYTES))


@dataclass(slots=True)
class UrlencodedScan:
    """Fields are read up to the last `&` that has arrived; the one still arriving waits for more."""

    found: dict[str, str] = field(default_factory=dict)
    store_notify: bool = False
    settled: int = 0  # the offset of the `&` that begins the first field not yet read
    began: bool = False  # the body's first field (the one without an `&` before it) is read

    def feed(self, body: bytearray, start: int) -> None:
        cut = body.rfind(b"&", start)  # an earlier `&` was already the cut of an earlier feed
        if cut >= 0:
            self._read(body, cut)

    def finish(self, body: bytearray) -> FormScan:
        self._read(body, len(body))
        return FormScan(_parts(self.found), self.store_notify)

    def _read(self, body: bytearray, cut: int) -> None:
        if not self.began and (first := _FIRST_FIELD.match(body, 0, cut)):
            self._keep(first)
        self.began = True
        for match in _FIELD.finditer(body, self.settled, cut):
            self._keep(match)
        self.settled = cut

    def _keep(self, match: re.Match[bytes]) -> None:
        # On a name clash with user variables Mailgun posts its own signature fields last: the last one wins.
        name = unquote(match.group(1).decode("ascii"))
        if name == STORE_NOTIFY_FIELD:
            self.store_notify = True
        else:
            self.found[name] = unquote_plus(match.group(2).decode("utf-8", "replace"))


class MultipartScan:
    """Werkzeug's decoder (app/core/multipart.py), keeping only the signature fields' values."""

    def __init__(self, boundary: bytes) -> None:
        self.reader = multipart.PartReader(boundary)
        self.found: dict[str, str] = {}
        self.store_notify = False
        self.current: str | None = None
        self.value = b""
        self.fed = 0  # the body is fed in the pieces every other reader feeds (multipart.aligned_chunks)

    def feed(self, body: bytearray, start: int) -> None:
        self._feed_arrived(body, final=False)

    def finish(self, body: bytearray) -> FormScan:
        self._feed_arrived(body, final=True)
        self._events(None)
        return FormScan(_parts(self.found), self.store_notify)

    def _feed_arrived(self, body: bytearray, final: bool) -> None:
        for start, end in multipart.aligned_chunks(body, self.fed, final):
            with memoryview(body) as view, view[start:end] as piece:
                self._events(piece)
            self.fed = end

    def _events(self, data: memoryview | None) -> None:
        try:
            for event in self.reader.feed(data):
                if isinstance(event, multipart.Part):
                    self._start(event)
                elif self.current is not None:
                    self.value = (self.value + event.data)[:MAX_FIELD_BYTES]
                    if event.last:
                        self.found[self.current] = self.value.decode("utf-8", "replace")
        except multipart.TooManyParts as exc:
            raise TooManyParts(str(exc)) from None
        except multipart.MultipartError as exc:
            raise UnreadableBody(str(exc)) from None

    def _start(self, part: multipart.Part) -> None:
        if part.name in NAMES and part.is_file:
            raise UnreadableBody("signature fields must be form values, not files")
        self.store_notify = self.store_notify or part.name == STORE_NOTIFY_FIELD
        self.current = part.name if part.name in NAMES else None
        self.value = b""


def _parts(found: dict[str, str]) -> SignedParts | None:
    if not found:
        return None
    return SignedParts(*(found.get(name, "") for name in NAMES))


def _text(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    return str(value) if isinstance(value, str | int | float) else ""
