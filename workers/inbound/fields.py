"""Reading Mailgun route POST fields and stored-message JSON: lenient JSON, headers, content ids, attachments.

A forward() POST carries JSON encoded as strings (message-headers, content-id-map, attachments); a stored
message GET carries the same keys as real JSON. Both go through `RouteFields`: one set of rules for both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from workers.inbound.message import InboundAttachment, UploadedPart
from workers.inbound.text import (
    addresses,
    content_type,
    domain_of,
    safely,
    sanitize_filename,
    scrub,
)

# Fields Mailgun itself sets on route POSTs and stored messages. Anything else shaped like a header name is a
# MIME header of the message ("every MIME header as its own field").
MAILGUN_FIELDS = frozenset(
    {
        "recipient",
        "recipients",
        "sender",
        "from",
        "subject",
        "domain",
        "body-plain",
        "body-html",
        "stripped-text",
        "stripped-html",
        "stripped-signature",
        "attachment-count",
        "message-headers",
        "content-id-map",
        "timestamp",
        "token",
        "signature",
        "message-url",
        "attachments",
        "body-mime",
    }
)
_HEADER_NAME = re.compile(r"[!-9;-~]+")  # RFC 5322 ftext: printable ASCII except ":"
_ATTACHMENT_FIELD = re.compile(r"attachment-([0-9]{1,9})", re.ASCII)
_STORAGE_DOMAIN = re.compile(r"/domains/([^/?#]+)/messages/")


class _Pairs(list[tuple[Any, Any]]):
    """A JSON object as its (key, value) pairs, so a repeated key keeps every value."""


class RouteFields:
    """The first value of every field (repeats ignored) and, in order, the fields that look like headers."""

    def __init__(self, pairs: Iterable[tuple[object, object]]) -> None:
        self._first: dict[str, object] = {}
        self.header_like: list[tuple[str, str]] = []
        for name, value in pairs:
            if not isinstance(name, str):
                continue
            self._first.setdefault(name, value)
            if _is_header_field(name) and isinstance(value, str):
                self.header_like.append((scrub(name), scrub(value)))

    def raw(self, name: str) -> object:
        return self._first.get(name)

    def text(self, name: str) -> str | None:
        value = self._first.get(name)
        return scrub(value) if isinstance(value, str) else None

    def json(self, name: str) -> object:
        """The field as JSON: parsed when it is a string, as is when the caller already had JSON."""
        value = self._first.get(name)
        return loads(value) if isinstance(value, str) else value


def _is_header_field(name: str) -> bool:
    return (
        name not in MAILGUN_FIELDS
        and _HEADER_NAME.fullmatch(name) is not None
        and _ATTACHMENT_FIELD.fullmatch(name) is None
    )


def loads(text: str) -> object:
    """Lenient JSON: None for anything unreadable, including nesting deep enough to exhaust the stack."""
    try:
        return json.loads(text, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError):
        return None


def plain(value: object) -> object:
    """Parsed JSON with objects as dicts again (a repeated key: last value, as JSON readers do)."""
    if isinstance(value, _Pairs):
        return {key: plain(item) for key, item in value}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def header_pairs(value: object) -> list[tuple[str, str]]:
    """[name, value] pairs of a message-headers list; malformed entries are skipped."""
    if not isinstance(value, list) or isinstance(value, _Pairs):
        return []
    return [pair for pair in map(_header_pair, value) if pair is not None]


def _header_pair(item: object) -> tuple[str, str] | None:
    if not isinstance(item, list | tuple) or len(item) != 2 or isinstance(item, _Pairs):
        return None
    name, value = item
    if not isinstance(name, str) or not name.strip():
        return None
    if value is None:
        value = ""
    elif not isinstance(value, str | int | float):
        return None
    return scrub(name.strip()), scrub(str(value))


def content_id_targets(value: object) -> list[tuple[str, str]]:
    """(content id, target) pairs of a content-id-map; the target is a field name (attachment-N) or a URL.

    Every entry counts, whatever its content id: Mailgun has been seen sending several entries with an empty
    one, and the map is still what says the part is inline. The id loses only its angle brackets.
    """
    items = value if isinstance(value, _Pairs) else value.items() if isinstance(value, Mapping) else []
    found = []
    for cid, target in items:
        key = _target_key(target)
        if isinstance(cid, str) and key is not None:
            found.append((scrub(cid.strip().strip("<>").strip()), key))
    return found


def _target_key(target: object) -> str | None:
    # Stored messages map a content id to the attachment object itself, identified by its URL.
    if isinstance(target, _Pairs | Mapping):
        target = dict(target).get("url")
    return scrub(target) if isinstance(target, str) and target else None


def content_ids_by_target(value: object) -> dict[str, str]:
    """Target → content id, the first content id mentioned for a target winning."""
    by_target: dict[str, str] = {}
    for cid, key in content_id_targets(value):
        by_target.setdefault(key, cid)
    return by_target


def uploaded_attachments(files: Sequence[UploadedPart], cids: Mapping[str, str]) -> list[InboundAttachment]:
    """The attachment-N file parts in N order; other file parts are not attachments Mailgun sends."""
    numbered = []
    for part in files:
        match = _ATTACHMENT_FIELD.fullmatch(part.field_name)
        if match:
            numbered.append((int(match[1]), part))
    numbered.sort(key=lambda item: item[0])
    return [_uploaded(part, cids.get(part.field_name)) for _, part in numbered]


def _uploaded(part: UploadedPart, cid: str | None) -> InboundAttachment:
    content = bytes(part.content)
    return InboundAttachment(
        filename=sanitize_filename(part.filename),
        content_type=content_type(part.content_type),
        size=len(content),
        content=content,
        inline=cid is not None,
        content_id=cid,
    )


def stored_attachments(value: object, cids: Mapping[str, str]) -> list[dict[str, Any]]:
    """The attachments list of store() and stored messages, each copied with its `content-id` and `inline`."""
    value = safely(lambda: plain(value), None)
    if not isinstance(value, list):
        return []
    stored = []
    for number, item in enumerate(value, start=1):
        if isinstance(item, Mapping):
            copy = {str(key): entry for key, entry in item.items()}
            url = copy.get("url")
            cid = cids.get(url) if isinstance(url, str) else None
            copy["content-id"] = cid if cid is not None else cids.get(f"attachment-{number}")
            copy["inline"] = copy["content-id"] is not None
            stored.append(copy)
    return stored


def route_domain(domain_field: str | None, recipient: str | None, storage_url: str | None) -> str | None:
    """Mailgun's `domain` field, else the first envelope recipient's domain, else the storage URL's."""
    explicit = (domain_field or "").strip().rstrip(".").lower()
    if explicit:
        return explicit
    for _, address in addresses(recipient):
        return domain_of(address)
    found = _STORAGE_DOMAIN.search(storage_url or "")
    return found[1].lower() if found else None
