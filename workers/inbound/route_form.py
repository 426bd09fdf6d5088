"""A stored route POST as its text fields and file parts, decoded once.

Pure: no database, no network. A 25 MB message is decoded in one pass: every field and file part is read out
of the body exactly once, and `body-mime` stays bytes (as a file part) so the parser sees the sender's
8-bit bytes exactly, never a text round trip of the whole message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote_plus, unquote_to_bytes

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from workers.inbound.message import UploadedPart
from workers.inbound.text import decode_bytes, form_disposition

# Kept as bytes whatever the encoding: the whole raw message.
RAW_FIELDS = frozenset({"body-mime"})
FEED_CHUNK = 1024 * 1024
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


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
    media_type, options = parse_options_header(content_type)
    if media_type == URLENCODED:
        return _urlencoded(body)
    if media_type == MULTIPART:
        boundary = options.get("boundary", "")
        if not boundary:
            raise UnreadableForm("multipart body without a boundary")
        return _multipart(body, boundary.encode("latin-1", "replace"))
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


def _multipart(body: bytes, boundary: bytes) -> RouteForm:
    reader = _MultipartReader(boundary)
    view = memoryview(body)
    try:
        for start in range(0, len(view), FEED_CHUNK):
            reader.feed(view[start : start + FEED_CHUNK])
        reader.feed(None)
    except ValueError as exc:
        raise UnreadableForm(f"multipart body could not be parsed: {exc}") from None
    return reader.form


class _MultipartReader:
    """Werkzeug's event-based decoder; each part's chunks are joined once, when the part ends."""

    def __init__(self, boundary: bytes) -> None:
        self.decoder = MultipartDecoder(boundary, max_parts=100_000)
        self.form = RouteForm()
        self.part: Field | File | None = None
        self.chunks: list[bytes] = []

    def feed(self, chunk: memoryview | None) -> None:
        # The decoder only slices and searches its input, which a memoryview supports without a copy.
        self.decoder.receive_data(chunk)  # type: ignore[arg-type]
        while not isinstance(event := self.decoder.next_event(), NeedData | Epilogue):
            if isinstance(event, Field | File):
                self.part, self.chunks = event, []
            elif isinstance(event, Data) and self.part is not None:
                self.chunks.append(bytes(event.data))
                if not event.more_data:
                    self._finish(self.part, b"".join(self.chunks))
                    self.part, self.chunks = None, []

    def _finish(self, part: Field | File, content: bytes) -> None:
        # The decoder reads backslashes in a filename as escapes; form encoders do not write them so.
        name, filename = form_disposition(part.headers.get("Content-Disposition", ""))
        name = part.name if name is None else name
        if filename is None and isinstance(part, File):
            filename = part.filename
        if isinstance(part, File) or filename is not None:
            ctype = part.headers.get("Content-Type")
            self.form.files.append(UploadedPart(name, filename or None, ctype, content))
        elif name in RAW_FIELDS:
            self.form.files.append(UploadedPart(name, None, None, content))
        else:
            charset = parse_options_header(part.headers.get("Content-Type", ""))[1].get("charset")
            self.form.fields.append((name, decode_bytes(content, charset or "utf-8")))
