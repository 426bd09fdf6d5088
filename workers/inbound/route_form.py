"""A stored route POST as its text fields and file parts, decoded once.

Pure: no database, no network. A 25 MB message is decoded in one pass: every field and file part is read out
of the body exactly once, and `body-mime` stays bytes (as a file part) so the parser sees the sender's
8-bit bytes exactly, never a text round trip of the whole message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote_plus, unquote_to_bytes

from app.core import multipart
from workers.inbound.message import UploadedPart
from workers.inbound.text import decode_bytes

# Kept as bytes whatever the encoding: the whole raw message.
RAW_FIELDS = frozenset({"body-mime"})
URLENCODED = "application/x-www-form-urlencoded"


class UnreadableForm(ValueError):
    """The body does not parse as the form its content type says."""


@dataclass(slots=True)
class RouteForm:
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[UploadedPart] = field(default_factory=list)

    @property
    def names(self) -> set[str]:
        return {name for name, _ in self.fields} | {part.field_name for part in self.files}


def decode_route_form(content_type: str, body: bytes) -> RouteForm:
    media_type = multipart.media_type(content_type)
    if media_type == URLENCODED:
        return _urlencoded(body)
    if media_type == multipart.MULTIPART:
        return _multipart(content_type, body)
    raise UnreadableForm(f"not a form: {media_type or 'no content type'}")


def _urlencoded(body: bytes) -> RouteForm:
    form = RouteForm()
    for pair in bytes(body).split(b"&"):
        if not pair:
            continue
        raw_name, _, raw_value = pair.partition(b"=")
        name = unquote_plus(raw_name.decode("latin-1"), encoding="utf-8", errors="replace")
        value = unquote_to_bytes(raw_value.replace(b"+", b" "))
        if name in RAW_FIELDS:
            form.files.append(UploadedPart(name, None, None, value))
        else:
            form.fields.append((name, decode_bytes(value, "utf-8")))
    return form


def _multipart(content_type: str, body: bytes) -> RouteForm:
    """Read by the one reader every form goes through (app/core/multipart.py), so a route post decodes
    exactly as the intake's signature scan and the legacy webhooks do."""
    try:
        parts = multipart.read_parts(content_type, body)
    except multipart.MultipartError as exc:
        raise UnreadableForm(str(exc)) from None
    form = RouteForm()
    for part, content in parts:
        if part.name is None:
            continue  # no field name: nothing reads it, the same everywhere
        if part.is_file:
            form.files.append(UploadedPart(part.name, part.filename or None, part.content_type, content))
        elif part.name in RAW_FIELDS:
            form.files.append(UploadedPart(part.name, None, None, content))
        else:
            form.fields.append((part.name, multipart.field_text(content, part.charset)))
    return form
