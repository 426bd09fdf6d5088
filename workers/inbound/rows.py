"""InboundMessage to `inbound_messages` / `inbound_attachments` row values. Pure: no database.

The parsers keep NUL characters, and a fetched stored message is JSON that may carry lone surrogates or NaN:
Postgres refuses all three in text and JSONB, so every value is made storable here. Indexed text is cut to a
length every btree takes.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from workers.inbound.message import InboundAttachment, InboundMessage
from workers.inbound.text import scrub

# Well under Postgres' btree limit (~2700 bytes per entry) even in 4-byte UTF-8.
MAX_INDEXED_CHARS = 500


def storable(value: Any) -> Any:
    """`value` with NULs and lone surrogates replaced and non-finite floats as None, through lists, tuples (as
    lists) and dicts."""
    if isinstance(value, str):
        value = scrub(value)
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable(str(key)): storable(item) for key, item in value.items()}
    return value


def indexed(value: str | None, *, lower: bool = False) -> str | None:
    if value is None:
        return None
    cleaned = storable(value).strip()[:MAX_INDEXED_CHARS]
    return (cleaned.lower() if lower else cleaned) or None


def message_values(message: InboundMessage) -> dict[str, Any]:
    """Every column the message itself determines (not the delivery's token, inbox row or region)."""
    return {
        "domain": indexed(message.domain, lower=True),
        "recipient": indexed(message.recipient, lower=True),
        "sender": indexed(message.sender, lower=True),
        "from_name": storable(message.from_name),
        "from_address": storable(message.from_address),
        "to_addresses": storable(message.to),
        "cc_addresses": storable(message.cc),
        "subject": storable(message.subject),
        "date": message.date,
        "message_id": indexed(message.message_id),
        "in_reply_to": storable(message.in_reply_to),
        "reference_ids": storable(message.references),
        "body_text": storable(message.body_text),
        "body_html": storable(message.body_html),
        "stripped_text": storable(message.stripped_text),
        "stripped_html": storable(message.stripped_html),
        "stripped_signature": storable(message.stripped_signature),
        "headers": storable(message.headers),
        "spam_flag": message.spam_flag,
        "spam_score": message.spam_score,
        "storage_url": storable(message.storage_url),
        "stored_attachments": storable(message.stored_attachments),
        "raw_mime": message.raw_mime,
        "content_hash": message.content_hash,
    }


def delivery_values(
    inbox_id: int, token: str | None, received_at: datetime, region: str | None
) -> dict[str, Any]:
    return {"inbox_id": inbox_id, "token": token, "received_at": received_at, "region": region}


def attachment_values(
    message_row_id: int, attachments: Sequence[InboundAttachment], max_bytes: int
) -> list[dict[str, Any]]:
    return [_attachment(message_row_id, n, item, max_bytes) for n, item in enumerate(attachments, start=1)]


def _attachment(message_row_id: int, n: int, item: InboundAttachment, max_bytes: int) -> dict[str, Any]:
    return {
        "inbound_message_id": message_row_id,
        "n": n,
        "filename": storable(item.filename),
        "content_type": storable(item.content_type),
        "size": item.size,
        # Over the limit only the metadata is kept; the sha256 still identifies the content.
        "content": item.content if item.size <= max_bytes else None,
        "inline": item.inline,
        "content_id": storable(item.content_id),
        "sha256": hashlib.sha256(item.content).hexdigest(),
    }


def merged_with_fetched(pending: dict[str, Any], fetched: dict[str, Any]) -> dict[str, Any]:
    """The fetched message's values, the notification's where the fetched copy says nothing.

    The raw variant of a stored message has no stripped-* renderings and may lack the envelope; the
    notification had them.
    """
    return {
        name: value if value not in (None, [], "") else pending.get(name) for name, value in fetched.items()
    }
