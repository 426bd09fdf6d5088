"""What a parsed inbound message is, whichever way Mailgun delivered it, and its content hash for dedup."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class InboundParseError(ValueError):
    """The input carries nothing to parse: no envelope, headers, body, attachment, raw MIME or storage URL."""


@dataclass(frozen=True, slots=True)
class UploadedPart:
    """One file part of a multipart form POST, as the web layer received it."""

    field_name: str
    filename: str | None
    content_type: str | None
    content: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class InboundAttachment:
    filename: str | None
    content_type: str
    size: int
    content: bytes = field(repr=False)
    inline: bool = False
    content_id: str | None = None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A received message. Absent values are None (or empty lists); "" means present and empty."""

    recipient: str | None = None
    sender: str | None = None
    from_name: str | None = None
    from_address: str | None = None
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    subject: str | None = None
    date: datetime | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    body_text: str | None = None
    body_html: str | None = None
    stripped_text: str | None = None
    stripped_html: str | None = None
    stripped_signature: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    attachments: list[InboundAttachment] = field(default_factory=list)
    spam_flag: bool | None = None
    spam_score: float | None = None
    raw_mime: bytes | None = field(default=None, repr=False)
    storage_url: str | None = None
    stored_attachments: list[dict[str, Any]] = field(default_factory=list)
    domain: str | None = None
    # The parsing bounds this message reached, in words: what lay past them is in raw_mime only.
    bounded: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        return content_hash(self)

    def is_empty(self) -> bool:
        """True when nothing was received at all, not even an envelope."""
        carried = (
            self.recipient,
            self.sender,
            self.headers,
            self.body_text,
            self.body_html,
            self.stripped_text,
            self.stripped_html,
            self.attachments,
            self.stored_attachments,
            self.raw_mime,
            self.storage_url,
            self.from_address,
            self.subject,
            self.message_id,
        )
        return not any(value for value in carried)


def content_hash(message: InboundMessage) -> str:
    """sha256 hex of the raw MIME when Mailgun sent it, else of a canonical form of the parsed content.

    Used with the Message-ID to spot the same message delivered twice. The envelope, the storage URL and
    Mailgun's stripped-* renderings are left out: they describe a delivery, not the message. A message posted
    once parsed and once as MIME hashes differently; that is accepted.
    """
    if message.raw_mime:
        return hashlib.sha256(message.raw_mime).hexdigest()
    return hashlib.sha256(_canonical(message)).hexdigest()


def _canonical(message: InboundMessage) -> bytes:
    parts = {
        "from": [message.from_name, message.from_address],
        "to": message.to,
        "cc": message.cc,
        "subject": message.subject,
        "date": message.date.isoformat() if message.date else None,
        "message_id": message.message_id,
        "headers": message.headers,
        "body_text": message.body_text,
        "body_html": message.body_html,
        "attachments": [_attachment_digest(item) for item in message.attachments],
        "stored_attachments": message.stored_attachments,
    }
    return json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str).encode()


def _attachment_digest(attachment: InboundAttachment) -> list[object]:
    return [
        attachment.filename,
        attachment.content_type,
        attachment.inline,
        attachment.content_id,
        hashlib.sha256(attachment.content).hexdigest(),
    ]
