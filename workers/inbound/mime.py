"""A raw MIME message as headers, bodies and attachments, read within `MimeLimits` and without trusting it.

The structure comes from mime_scan (linear, bounded, no email package) and each part's parameters from params
(linear, bounded): the stdlib's header parser is quadratic or worse on some shapes and never sees hostile
input here. Transfer encodings are undone with binascii, charsets with decode_bytes. Nothing here raises.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field
from email.message import Message

from workers.inbound.limits import MimeLimits
from workers.inbound.message import InboundAttachment
from workers.inbound.mime_scan import Leaf, RawHeader, Scan, bounded_params, content_type, first_header
from workers.inbound.text import decode_bytes, decode_words, safely, sanitize_filename, unfold

_BODY_TYPES = ("text/plain", "text/html")
_MEDIA_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+", re.ASCII)
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]+")
_UUENCODE = ("x-uuencode", "uuencode", "uue", "x-uue")


@dataclass(slots=True)
class MimeContent:
    body_text: str | None = None
    body_html: str | None = None
    attachments: list[InboundAttachment] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Part:
    media_type: str
    disposition: str | None
    filename: str | None
    charset: str | None
    leaf: Leaf


def raw_headers(scanned: Scan) -> list[tuple[str, str, bool]]:
    """Every top-level header in order: (name, value unfolded with encoded words still encoded, cut)."""
    return [(unfold(header.name), unfold(header.value), header.cut) for header in scanned.headers]


def extract(scanned: Scan, limits: MimeLimits) -> MimeContent:
    """The first non-attachment text/plain and text/html bodies, and every attachment, in order."""
    content = MimeContent()
    for leaf in scanned.leaves:
        part = _read(leaf, limits, scanned.bounded)
        if _is_body(part):
            _fill_body(content, part)
        else:
            content.attachments.append(_attachment(part))
    return content


def _read(leaf: Leaf, limits: MimeLimits, bounded: set[str]) -> _Part:
    media_type, params = content_type(leaf.headers, limits, bounded)
    if not _MEDIA_TYPE.fullmatch(media_type):
        media_type = leaf.default_type
    disposition_header = first_header(leaf.headers, "content-disposition")
    disposition = None
    filename = params.get("name")
    if disposition_header is not None:
        parsed = bounded_params(disposition_header.value, limits, bounded)
        disposition = parsed.main or None
        filename = parsed.params.get("filename", filename)
    return _Part(media_type, disposition, _filename(filename, limits, bounded), params.get("charset"), leaf)


def _filename(name: str | None, limits: MimeLimits, bounded: set[str]) -> str | None:
    if name is None:
        return None
    # Some mailers put RFC 2047 words in filename= although only RFC 2231 is allowed there.
    return sanitize_filename(decode_words(unfold(name), words_within(name, limits, bounded)))


def words_within(value: str, limits: MimeLimits, bounded: set[str]) -> int:
    """The encoded-word bound, noted in `bounded` when `value` holds more words than it."""
    if value.count("=?") > limits.max_encoded_words:
        bounded.add(f"encoded words past {limits.max_encoded_words} in a header left encoded")
    return limits.max_encoded_words


def _is_body(part: _Part) -> bool:
    if part.disposition == "attachment" or (part.disposition == "inline" and part.filename):
        return False
    # A multipart whose boundary never appears is left unsplit; its text is better kept as a body than lost.
    return part.media_type in _BODY_TYPES or part.media_type.startswith("multipart/")


def _fill_body(content: MimeContent, part: _Part) -> None:
    # Later bodies (e.g. text after an inline image in Apple Mail) stay in raw_mime only.
    if part.media_type == "text/html":
        if content.body_html is None:
            content.body_html = decode_bytes(payload_bytes(part.leaf), part.charset)
    elif content.body_text is None:
        content.body_text = decode_bytes(payload_bytes(part.leaf), part.charset)


def payload_bytes(leaf: Leaf) -> bytes:
    """The part's content with its transfer encoding undone; an unknown encoding leaves it as it is."""
    header = first_header(leaf.headers, "content-transfer-encoding")
    encoding = header.value.strip().lower() if header is not None else ""
    if encoding == "base64":
        return _base64(leaf.body)
    if encoding == "quoted-printable":
        return safely(lambda: binascii.a2b_qp(leaf.body), leaf.body)
    if encoding in _UUENCODE:
        return _uudecoded(leaf.body)
    return leaf.body


def _base64(data: bytes) -> bytes:
    """Lenient, as mail needs: line breaks and stray characters skipped, missing padding supplied; what still
    does not decode is kept as it came."""
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        stripped = _NOT_BASE64.sub(b"", data)
        try:
            return binascii.a2b_base64(stripped + b"=" * (-len(stripped) % 4))
        except binascii.Error:
            return data


def _uudecoded(data: bytes) -> bytes:
    # Rare enough to leave to the stdlib, whose decoder reads only the Content-Transfer-Encoding header.
    message = Message()
    message["Content-Transfer-Encoding"] = "x-uuencode"
    message.set_payload(data.decode("ascii", "surrogateescape"))
    decoded = safely(lambda: message.get_payload(decode=True), None)
    return decoded if isinstance(decoded, bytes) else data


def _content_id(headers: list[RawHeader]) -> str | None:
    header = first_header(headers, "content-id")
    if header is None:
        return None
    cid = unfold(header.value).strip().strip("<>").strip()
    return cid or None


def _attachment(part: _Part) -> InboundAttachment:
    content = payload_bytes(part.leaf)
    return InboundAttachment(
        filename=part.filename,
        content_type=part.media_type,
        size=len(content),
        content=content,
        inline=part.disposition == "inline",
        content_id=_content_id(part.leaf.headers),
    )
