"""Inbound mail, however Mailgun delivers it, as one InboundMessage.

Pure: no Flask, Celery, database or network.

Four ways in:
- `parse_forward`: a route's forward() POST with parsed parts, and store() notifications;
- `parse_mime_forward`: forward() to a URL ending in "mime", the whole message in `body-mime`;
- `parse_stored_message`: the JSON of GET <message-url>, with parsed parts or with `body-mime`;
- `parse_mime`: raw RFC 5322 bytes.

None of them raises for any input, except InboundParseError when the input holds nothing at all (no envelope,
header, body, attachment, raw MIME or storage URL). Damaged parts become None, empty lists or U+FFFD.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypedDict

from workers.inbound.fields import (
    RouteFields,
    content_ids_by_target,
    header_pairs,
    route_domain,
    stored_attachments,
    uploaded_attachments,
)
from workers.inbound.limits import DEFAULT_LIMITS, MimeLimits
from workers.inbound.message import (
    InboundAttachment,
    InboundMessage,
    InboundParseError,
    UploadedPart,
    content_hash,
)
from workers.inbound.mime import extract, raw_headers, words_within
from workers.inbound.mime_scan import scan
from workers.inbound.text import (
    addresses,
    decode_words,
    first_message_id,
    header_text,
    message_ids,
    parse_date,
    spam_flag,
    spam_score,
)

__all__ = [
    "InboundAttachment",
    "InboundMessage",
    "InboundParseError",
    "UploadedPart",
    "content_hash",
    "parse_forward",
    "parse_mime",
    "parse_mime_forward",
    "parse_stored_message",
]


class _HeaderFields(TypedDict):
    from_name: str | None
    from_address: str | None
    to: list[str]
    cc: list[str]
    subject: str | None
    date: datetime | None
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    spam_flag: bool | None
    spam_score: float | None


def parse_forward(
    fields: Sequence[tuple[str, str]], files: Sequence[UploadedPart] = (), limits: MimeLimits = DEFAULT_LIMITS
) -> InboundMessage:
    """A forward() POST with parsed parts, or a store() notification (message-url, attachments JSON)."""
    return _from_route(RouteFields(fields), files, None, limits)


def parse_mime_forward(
    fields: Sequence[tuple[str, str]], files: Sequence[UploadedPart] = (), limits: MimeLimits = DEFAULT_LIMITS
) -> InboundMessage:
    """A forward() POST to a URL ending in "mime": `body-mime` (a field or a file part) plus the envelope."""
    route = RouteFields(fields)
    raw = _body_mime(route, files)
    if raw is None:
        # A route whose URL still ends in "mime" but that posts parsed parts is still readable as such.
        return _from_route(route, files, None, limits)
    return _with_envelope(parse_mime(raw, limits), route, storage_url=None)


def parse_stored_message(
    obj: Mapping[str, object], *, storage_url: str | None = None, limits: MimeLimits = DEFAULT_LIMITS
) -> InboundMessage:
    """The JSON of a stored message (GET <message-url>); `storage_url` is where it was fetched from.

    Anything but a JSON object is InboundParseError: the response body is Mailgun's, not ours to guess at.
    """
    if not isinstance(obj, Mapping):
        raise InboundParseError(f"a stored message is a JSON object, not {type(obj).__name__}")
    route = RouteFields(obj.items())
    raw = _body_mime(route, ())
    if raw is None:
        return _from_route(route, (), storage_url, limits)
    return _with_envelope(parse_mime(raw, limits), route, storage_url)


def parse_mime(raw: bytes, limits: MimeLimits = DEFAULT_LIMITS) -> InboundMessage:
    """A raw RFC 5322 message. There is no envelope in it: recipient, sender and domain stay None.

    Read within `limits`: what lies past them stays in raw_mime only, and `bounded` says what that was.
    """
    if not raw.strip():
        raise InboundParseError("the MIME message is empty")
    scanned = scan(raw, limits)
    raw_pairs = raw_headers(scanned)
    content = extract(scanned, limits)
    readable = [(name, value) for name, value, cut in raw_pairs if not cut]
    # A header cut at the size bound is listed as received, cut, and not decoded.
    headers = [
        (name, value if cut else decode_words(value, words_within(value, limits, scanned.bounded)))
        for name, value, cut in raw_pairs
    ]
    return InboundMessage(
        **_header_fields(_first_values(readable), limits=limits),
        body_text=content.body_text,
        body_html=content.body_html,
        headers=headers,
        attachments=content.attachments,
        raw_mime=bytes(raw),
        bounded=tuple(sorted(scanned.bounded)),
    )


def _from_route(
    route: RouteFields, files: Sequence[UploadedPart], storage_url: str | None, limits: MimeLimits
) -> InboundMessage:
    # message-headers may be missing, "[]" or not JSON; the header-shaped fields then stand in for it, and
    # they also fill gaps (abridged stored messages carry In-Reply-To only as a top-level key).
    headers = header_pairs(route.json("message-headers")) or route.header_like
    cids = content_ids_by_target(route.json("content-id-map"))
    recipient = _envelope_recipient(route)
    url = route.text("message-url") or storage_url
    from_headers = _header_fields(
        _first_values(headers, route.header_like), route.text("from"), route.text("subject"), limits
    )
    message = InboundMessage(
        recipient=recipient,
        sender=_stripped(route.text("sender")),
        **from_headers,
        body_text=route.text("body-plain"),
        body_html=route.text("body-html"),
        stripped_text=route.text("stripped-text"),
        stripped_html=route.text("stripped-html"),
        stripped_signature=route.text("stripped-signature"),
        headers=headers,
        attachments=uploaded_attachments(files, cids),
        storage_url=url,
        stored_attachments=stored_attachments(route.json("attachments"), cids),
        domain=route_domain(route.text("domain"), recipient, url),
    )
    if message.is_empty():
        raise InboundParseError("the post carries no envelope, header, body, attachment or storage URL")
    return message


def _with_envelope(message: InboundMessage, route: RouteFields, storage_url: str | None) -> InboundMessage:
    recipient = _envelope_recipient(route) or message.recipient
    url = route.text("message-url") or storage_url
    return replace(
        message,
        recipient=recipient,
        sender=_stripped(route.text("sender")) or message.sender,
        storage_url=url,
        domain=route_domain(route.text("domain"), recipient, url),
    )


def _envelope_recipient(route: RouteFields) -> str | None:
    # Forward posts say `recipient`; stored messages say `recipients` (comma-separated when several).
    return _stripped(route.text("recipient")) or _stripped(route.text("recipients"))


def _stripped(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


def _body_mime(route: RouteFields, files: Sequence[UploadedPart]) -> bytes | None:
    """The raw message: a file part keeps its bytes exactly, so it wins over a text field."""
    for part in files:
        if part.field_name == "body-mime" and part.content.strip():
            return bytes(part.content)
    value = route.raw("body-mime")
    if isinstance(value, bytes | bytearray):
        return bytes(value) if value.strip() else None
    if isinstance(value, str) and value.strip():
        return _encode(value)
    return None


def _encode(text: str) -> bytes:
    # Surrogate escapes, where the caller decoded with them, give back the original 8-bit bytes.
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _first_values(*sources: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Lower-case header name → its first value across `sources`, earlier sources first.

    First, because Mailgun prepends its own headers (X-Mailgun-Sflag ...): a copy further down came from the
    sender and must not override them.
    """
    first: dict[str, str] = {}
    for pairs in sources:
        for name, value in pairs:
            first.setdefault(name.lower(), value)
    return first


def _header_fields(
    headers: Mapping[str, str],
    from_field: str | None = None,
    subject_field: str | None = None,
    limits: MimeLimits = DEFAULT_LIMITS,
) -> _HeaderFields:
    """What the headers say; Mailgun's own `from`/`subject` fields win over the header values.

    A value longer than the header bound is read as absent: the address and date parsers are not linear.
    """

    def value(name: str, field_value: str | None = None) -> str | None:
        found = field_value if field_value is not None else headers.get(name)
        return found if found is None or len(found) <= limits.max_header_bytes else None

    words = limits.max_encoded_words
    from_name, from_address = _author(value("from", from_field or None), words)
    return _HeaderFields(
        from_name=from_name,
        from_address=from_address,
        to=[address for _, address in addresses(value("to"), words)],
        cc=[address for _, address in addresses(value("cc"), words)],
        subject=header_text(value("subject", subject_field), words),
        date=parse_date(value("date")),
        message_id=first_message_id(value("message-id")),
        in_reply_to=first_message_id(value("in-reply-to")),
        references=message_ids(value("references")),
        spam_flag=spam_flag(value("x-mailgun-sflag")),
        spam_score=spam_score(value("x-mailgun-sscore")),
    )


def _author(value: str | None, words: int) -> tuple[str | None, str | None]:
    """(display name, address) of a From value; a From without an address keeps its text as the name."""
    found = addresses(value, words)
    if found:
        name, address = found[0]
        return name or None, address
    return header_text(value, words) or None, None
