"""multipart/form-data, decoded one way wherever a form is read: the intake's signature scan, legacy form
webhooks and route forwards.

Werkzeug's sans-IO decoder, fed in chunks: it does no I/O and keeps only what it has not yet handed out, so a
25 MB part passes through in pieces. Three things it would otherwise hold without bound are bounded here:
the preamble and each part's header block (`MAX_HEAD_BYTES`), the number of parts (`MAX_PARTS`) and the
epilogue (never kept). Pure: no Flask, no database; werkzeug's sans-IO module is the one import it allows
(declared in the import contracts).

What every reader agrees on, because it is decided here: where parts begin and end (CRLF, LF or CR line
breaks, as werkzeug accepts them), each part's name and filename (quoted, RFC 2231 `name*=` / `filename*=`),
its charset, and that Content-Transfer-Encoding is not applied (RFC 7578 section 4.7 retires it).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from urllib.parse import unquote

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData, State

MULTIPART = "multipart/form-data"
# A Mailgun post has a few hundred parts at most (fields, attachments, headers as fields).
MAX_PARTS = 100_000
# The preamble, or one part's header block: a long filename fits many times over.
MAX_HEAD_BYTES = 64 * 1024
FEED_CHUNK = 1024 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")
# A form part's parameter. A quoted value runs to the quote that ends the header or precedes the next ";":
# form encoders (browsers, Django, Mailgun) write a filename's backslashes as they are, unescaped.
_FORM_PARAM = re.compile(r';\s*([^\s=;]+)\s*=\s*("(?:[^"]|"(?!\s*(?:;|$)))*"|[^;]*)')


class MultipartError(ValueError):
    """The body is not the multipart form its content type says."""


class TooManyParts(MultipartError):
    """More parts than MAX_PARTS."""


@dataclass(frozen=True, slots=True)
class Part:
    """A part's start: what its headers say. Its content follows as `Chunk`s."""

    name: str | None
    filename: str | None  # None for a plain field; a file part's filename may be ""
    content_type: str | None
    charset: str | None

    @property
    def is_file(self) -> bool:
        return self.filename is not None


@dataclass(frozen=True, slots=True)
class Chunk:
    data: bytes
    last: bool  # the part's content ends with this chunk


def media_type(content_type: str) -> str:
    """The lower-cased media type of a Content-Type value, without its parameters."""
    return parse_options_header(content_type)[0].lower()


def boundary(content_type: str) -> bytes:
    """The boundary a multipart Content-Type names (quoted or not)."""
    options = parse_options_header(content_type)[1]
    value = options.get("boundary", "")
    if not value:
        raise MultipartError("multipart body without a boundary")
    return value.encode("latin-1", "replace")


class PartReader:
    """Feed the body in chunks (`None` at its end); each call yields the `Part`s and `Chunk`s completed.

    Werkzeug's decoder does not always decode a body the same way when it is cut in different places (a
    chunk that ends just after a line break and `--boundary` can leave a stray byte in a part, or a part
    where there is none), so every reader feeds it the same pieces: `FEED_CHUNK` bytes at a time from the
    body's start (`aligned_chunks`), whatever the network delivered.
    """

    def __init__(self, boundary: bytes, max_parts: int = MAX_PARTS) -> None:
        self._decoder = MultipartDecoder(boundary, max_parts=max_parts)
        self._ended = False

    def feed(self, data: bytes | bytearray | memoryview | None) -> Iterator[Part | Chunk]:
        if self._ended and data is not None:
            return  # the epilogue: nothing anyone reads, so it is not kept
        try:
            # The decoder copies what it is given into its own buffer, so a memoryview is safe to release.
            self._decoder.receive_data(data)  # type: ignore[arg-type]
            yield from self._events()
        except RequestEntityTooLarge:
            raise TooManyParts(f"multipart body with more than {self._decoder.max_parts} parts") from None
        except ValueError as exc:  # werkzeug's own errors, and undecodable header bytes
            raise MultipartError(f"multipart body could not be parsed: {exc}") from None

    def _events(self) -> Iterator[Part | Chunk]:
        decoder = self._decoder
        while not isinstance(event := decoder.next_event(), NeedData):
            if isinstance(event, Epilogue):
                self._ended = True
                return
            if isinstance(event, Field | File):
                yield _part(event)
            elif isinstance(event, Data):
                yield Chunk(bytes(event.data), not event.more_data)
        if decoder.state == State.EPILOGUE:
            self._ended = True
        elif decoder.state in (State.PREAMBLE, State.PART) and len(decoder.buffer) > MAX_HEAD_BYTES:
            raise MultipartError(f"multipart preamble or part headers over {MAX_HEAD_BYTES} bytes")


def _part(event: Field | File) -> Part:
    content_type = event.headers.get("Content-Type")
    charset = parse_options_header(content_type)[1].get("charset") if content_type else None
    # Werkzeug reads backslashes in a filename as escapes; form encoders do not write them so.
    name, filename = form_disposition(event.headers.get("Content-Disposition", ""))
    if filename is None and isinstance(event, File):
        filename = event.filename
    return Part(event.name if name is None else name, filename, content_type, charset)


def form_disposition(value: str) -> tuple[str | None, str | None]:
    """(name, filename) of a form part's Content-Disposition, read the way form encoders write it.

    RFC 7578 leaves a filename's quoting to the HTML encoding, which escapes `"` as `%22` and leaves a
    backslash as it is: `filename="\\share\\x.msg"` is a Windows path, and `filename="path\\"` ends in a
    backslash. A parser that takes backslashes as quoted-pairs runs the path together or loses the
    filename, and the part with it becomes a text field. `\\"` inside a value is still read as a quote.
    """
    found: dict[str, str] = {}
    for match in _FORM_PARAM.finditer(value):
        key, raw = match[1].lower(), match[2].strip()
        if raw.startswith('"'):  # an unterminated quote still opens the value
            raw = (raw[1:-1] if raw.endswith('"') and len(raw) > 1 else raw[1:]).replace('\\"', '"')
        found.setdefault(key, raw)
    # Where both are sent, the RFC 8187 form is the exact one (non-ASCII names).
    if "filename*" in found:
        found["filename"] = _extended_value(found["filename*"])
    return found.get("name"), found.get("filename")


def _extended_value(raw: str) -> str:
    """An RFC 8187 value (`utf-8''na%C3%AFve.txt`); a value not in that form is taken as it is."""
    charset, sep, rest = raw.partition("'")
    if not sep:
        return raw
    _, sep, encoded = rest.partition("'")
    return unquote(encoded, encoding=_text_codec(charset), errors="replace") if sep else raw


def aligned_chunks(body: bytes | bytearray, start: int, final: bool) -> Iterator[tuple[int, int]]:
    """The (start, end) of each piece to feed once `body` holds what it holds, from offset `start` (a
    multiple of FEED_CHUNK): whole FEED_CHUNK pieces, and the rest too when the body is complete."""
    while len(body) - start >= FEED_CHUNK:
        yield start, start + FEED_CHUNK
        start += FEED_CHUNK
    if final and start < len(body):
        yield start, len(body)


def read_parts(content_type: str, body: bytes | bytearray) -> list[tuple[Part, bytes]]:
    """Every part of a whole body with its content, in order; repeated names repeated."""
    reader = PartReader(boundary(content_type))
    parts: list[tuple[Part, bytes]] = []
    pieces: list[bytes] = []
    chunks = (body[start:end] for start, end in aligned_chunks(body, 0, final=True))
    for chunk in chain(chunks, [None]):
        for event in reader.feed(chunk):
            if isinstance(event, Part):
                parts.append((event, b""))
                pieces = []
            elif parts:
                pieces.append(event.data)
                if event.last:
                    parts[-1] = (parts[-1][0], b"".join(pieces))
    return parts


def field_text(data: bytes, charset: str | None) -> str:
    """A field's content as text: its own charset when Python knows it as a text codec, else UTF-8;
    undecodable bytes replaced, never raised, and no lone surrogate (no text column takes one)."""
    try:
        text = data.decode(_text_codec(charset), "replace")
    except Exception:  # a few codecs ("undefined", "idna") raise whatever the error handler says
        text = data.decode("utf-8", "replace")
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def _text_codec(charset: str | None) -> str:
    if not charset:
        return "utf-8"
    name = charset.strip().strip("\"'").split("*", 1)[0]  # RFC 2231 allows a language suffix: utf-8*en
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return "utf-8"
    # ASCII labels routinely carry 8-bit UTF-8; base64/rot13/zlib "codecs" do not decode text at all.
    if info.name == "ascii" or not getattr(info, "_is_text_encoding", True):
        return "utf-8"
    return info.name
