"""Walking a MIME message into headers, bodies and attachments without trusting its structure.

The stdlib parser (policy=default) already tolerates most damage by recording defects; what is left here is
reading parts in ways that cannot raise: raw header values instead of lazily parsed header objects, decoded
payload bytes instead of `get_content()` (which raises on unknown charsets), an explicit stack instead of
recursion.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser

from workers.inbound.message import InboundAttachment
from workers.inbound.text import (
    decode_bytes,
    decode_words,
    safely,
    sanitize_filename,
    unfold,
)

# Beyond these the rest of the message is left in raw_mime: a message is at most 25 MB, but nesting or part
# counts like these only come from hostile or broken senders.
MAX_DEPTH = 50
MAX_PARTS = 2000
_BODY_TYPES = ("text/plain", "text/html")


@dataclass(slots=True)
class MimeContent:
    body_text: str | None = None
    body_html: str | None = None
    attachments: list[InboundAttachment] = field(default_factory=list)


def parse_bytes(raw: bytes) -> Message:
    """The parsed message; a parser failure falls back to the headers only, then to an empty message."""
    full = safely(lambda: BytesParser(policy=policy.default).parsebytes(raw), None)
    if full is not None:
        return full
    headers = safely(lambda: BytesParser(policy=policy.default).parsebytes(raw, headersonly=True), None)
    return headers if headers is not None else Message(policy=policy.default)


def raw_headers(part: Message) -> list[tuple[str, str]]:
    """Every header of `part` in order, unfolded but with encoded words still encoded."""
    items: list[tuple[str, str]] = safely(lambda: list(part.raw_items()), [])
    return [(unfold(str(name)), unfold(str(value))) for name, value in items]


def extract(message: Message) -> MimeContent:
    """The first non-attachment text/plain and text/html bodies, and every attachment, in order."""
    content = MimeContent()
    for part in _leaves(message):
        ctype = _content_type(part)
        disposition = safely(part.get_content_disposition, None)
        filename = _filename(part)
        if _is_body(ctype, disposition, filename):
            _fill_body(content, part, ctype)
        else:
            content.attachments.append(_attachment(part, ctype, disposition, filename))
    return content


def _leaves(message: Message) -> Iterator[Message]:
    """Non-multipart parts in document order. Attached messages (message/rfc822) are leaves: they are
    attachments of this message, not parts of its body."""
    stack = [(message, 0)]
    yielded = 0
    while stack and yielded < MAX_PARTS:
        part, depth = stack.pop()
        children = _children(part) if depth < MAX_DEPTH else None
        if children is None:
            yielded += 1
            yield part
        else:
            stack.extend((child, depth + 1) for child in reversed(children))


def _children(part: Message) -> list[Message] | None:
    if not _content_type(part).startswith("multipart/"):
        return None
    payload = safely(part.get_payload, None)
    if not isinstance(payload, list):
        return None
    return [child for child in payload if isinstance(child, Message)]


def _content_type(part: Message) -> str:
    return safely(part.get_content_type, "application/octet-stream")


def _is_body(ctype: str, disposition: str | None, filename: str | None) -> bool:
    if disposition == "attachment" or (disposition == "inline" and filename):
        return False
    # A multipart whose boundary never appears is left unsplit; its text is better kept as a body than lost.
    return ctype in _BODY_TYPES or ctype.startswith("multipart/")


def _fill_body(content: MimeContent, part: Message, ctype: str) -> None:
    # Later bodies (e.g. text after an inline image in Apple Mail) stay in raw_mime only.
    if ctype == "text/html":
        if content.body_html is None:
            content.body_html = _text(part)
    elif content.body_text is None:
        content.body_text = _text(part)


def _text(part: Message) -> str:
    return decode_bytes(payload_bytes(part), safely(part.get_content_charset, None))


def payload_bytes(part: Message) -> bytes:
    """The decoded content of a part: transfer encoding undone, attached messages serialised back."""
    payload = safely(part.get_payload, None)
    if isinstance(payload, list):
        return b"".join(_message_bytes(child) for child in payload if isinstance(child, Message))
    data = safely(lambda: part.get_payload(decode=True), None)
    return data if isinstance(data, bytes) else b""


def _message_bytes(message: Message) -> bytes:
    # compat32 writes header values back as received; the default policy refolds them, and can choke.
    as_received = safely(lambda: message.as_bytes(policy=policy.compat32), None)
    return as_received if as_received is not None else safely(message.as_bytes, b"")


def _filename(part: Message) -> str | None:
    name = safely(part.get_filename, None)
    # Some mailers put RFC 2047 words in filename= although only RFC 2231 is allowed there.
    return sanitize_filename(decode_words(name)) if isinstance(name, str) else None


def _content_id(part: Message) -> str | None:
    for name, value in raw_headers(part):
        if name.lower() == "content-id":
            cid = value.strip().strip("<>").strip()
            return cid or None
    return None


def _attachment(
    part: Message, ctype: str, disposition: str | None, filename: str | None
) -> InboundAttachment:
    content = payload_bytes(part)
    return InboundAttachment(
        filename=filename,
        content_type=ctype,
        size=len(content),
        content=content,
        inline=disposition == "inline",
        content_id=_content_id(part),
    )
