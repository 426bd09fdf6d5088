"""Text helpers for inbound mail: charsets, header values, addresses, message ids, dates, filenames.

Everything here takes what a sender, Mailgun or a proxy put on the wire and returns clean `str` (no lone
surrogates, so the value fits a Postgres text column and JSON) or None. Nothing here raises.
"""

from __future__ import annotations

import binascii
import codecs
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime
from typing import TypeVar
from urllib.parse import unquote

T = TypeVar("T")

_SURROGATES = re.compile("[\ud800-\udfff]")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_MSG_ID = re.compile(r"<([^<>]*)>")
_PATH_SEPARATORS = re.compile(r"[/\\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MIME_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+", re.ASCII)
# A form part's parameter. A quoted value runs to the quote that ends the header or precedes the next ";":
# form encoders (browsers, Django, Mailgun) write a filename's backslashes as they are, unescaped.
_FORM_PARAM = re.compile(r';\s*([^\s=;]+)\s*=\s*("(?:[^"]|"(?!\s*(?:;|$)))*"|[^;]*)')
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def safely(call: Callable[[], T], default: T) -> T:
    """`call()`, or `default` when it raises.

    The stdlib email and codec machinery raises a wide, undocumented range of exceptions on hostile input
    (LookupError, IndexError, AttributeError, RecursionError ...), and the parsers promise never to raise.
    """
    try:
        return call()
    except Exception:
        return default


def scrub(text: str) -> str:
    """`text` without lone surrogates."""
    if not _SURROGATES.search(text):
        return text
    try:
        # The email parser keeps undecodable 8-bit bytes as surrogate escapes; in practice they are UTF-8.
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)


def _text_codec(charset: str | None) -> str:
    """A codec that can decode `charset`; UTF-8 when it is unknown, not a text codec, or plain ASCII."""
    if not charset:
        return "utf-8"
    # RFC 2231 allows a language suffix: utf-8*en.
    name = charset.strip().strip("\"'").split("*", 1)[0]
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return "utf-8"
    # ASCII labels routinely carry 8-bit UTF-8; base64/rot13/zlib "codecs" do not decode text at all.
    if info.name == "ascii" or not getattr(info, "_is_text_encoding", True):
        return "utf-8"
    return info.name


def decode_bytes(data: bytes, charset: str | None) -> str:
    """`data` decoded as `charset`, undecodable bytes replaced."""
    try:
        text = data.decode(_text_codec(charset), "replace")
    except Exception:  # some codecs ("undefined", "idna") raise whatever the error handler says
        text = data.decode("utf-8", "replace")
    return scrub(text)


def unfold(value: str) -> str:
    """A header value on one line, surrogates scrubbed."""
    return _FOLD.sub("", scrub(value)).strip()


def decode_words(value: str) -> str:
    """`value` with its RFC 2047 encoded words decoded; words that do not decode stay as they are."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending = _PendingWords()
    position, after_word = 0, False
    for match in _ENCODED_WORD.finditer(value):
        gap = value[position : match.start()]
        data = _word_bytes(match[2], match[3])
        # RFC 2047 6.2: white space between two adjacent encoded words is not displayed.
        if data is None or not (after_word and (not gap or gap.isspace())):
            out.extend((pending.flush(), gap))
        out.append(match[0] if data is None else pending.add(match[1], data))
        position, after_word = match.end(), data is not None
    out.append(pending.flush())
    out.append(value[position:])
    return "".join(out)


class _PendingWords:
    """Bytes of adjacent encoded words in one charset, decoded together: senders split multibyte
    characters across words."""

    def __init__(self) -> None:
        self.charset = ""
        self.data = b""

    def add(self, charset: str, data: bytes) -> str:
        charset = charset.split("*", 1)[0].lower()
        flushed = self.flush() if charset != self.charset else ""
        self.charset = charset
        self.data += data
        return flushed

    def flush(self) -> str:
        text = decode_bytes(self.data, self.charset) if self.data else ""
        self.charset, self.data = "", b""
        return text


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    data = payload.encode("ascii", "replace")
    if encoding in "qQ":
        return binascii.a2b_qp(data, header=True)
    # Padding is often missing or doubled; normalise it rather than give up.
    data = data.rstrip(b"=")
    try:
        return binascii.a2b_base64(data + b"=" * (-len(data) % 4), strict_mode=True)
    except binascii.Error:
        return None


def header_text(value: str | None) -> str | None:
    """A header value for display: unfolded and decoded; None when absent."""
    return None if value is None else decode_words(unfold(value))


def addresses(value: str | None) -> list[tuple[str, str]]:
    """(display name, address) pairs of an address header; entries without an `@` are left out."""
    if not value:
        return []
    pairs: list[tuple[str, str]] = safely(lambda: getaddresses([unfold(value)]), [])
    return [(decode_words(name).strip(), addr.strip()) for name, addr in pairs if "@" in addr]


def domain_of(address: str | None) -> str | None:
    if not address or "@" not in address:
        return None
    domain = address.rsplit("@", 1)[1].strip().strip("<>").rstrip(".").lower()
    return domain or None


def message_ids(value: str | None) -> list[str]:
    """The ids in a Message-ID, In-Reply-To or References value, without angle brackets, in order."""
    if not value:
        return []
    # Long ids are sometimes folded mid-id; the whitespace is not part of the id.
    bracketed = ["".join(found.split()) for found in _MSG_ID.findall(value)]
    ids = [found for found in bracketed if found]
    return ids or [token.strip("<>") for token in value.split() if token.strip("<>")]


def first_message_id(value: str | None) -> str | None:
    ids = message_ids(value)
    return ids[0] if ids else None


def parse_date(value: str | None) -> datetime | None:
    """An RFC 5322 date in UTC; a date without a zone (or with -0000) is taken as UTC."""
    if not value:
        return None
    parsed = safely(lambda: parsedate_to_datetime(unfold(value)), None)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return safely(lambda: parsed.astimezone(UTC), None)


def spam_flag(value: str | None) -> bool | None:
    """X-Mailgun-Sflag: Yes / No."""
    return {"yes": True, "no": False}.get((value or "").strip().lower())


def spam_score(value: str | None) -> float | None:
    """X-Mailgun-Sscore as a finite float."""
    try:
        score = float((value or "").strip())
    except ValueError:
        return None
    return score if math.isfinite(score) else None


def sanitize_filename(name: str | None) -> str | None:
    """The last path component of a sender-supplied filename, control characters removed; None if empty.

    Filenames come from the sender: `C:\\x\\evil.txt` and `../../etc/passwd` must not reach a file system.
    """
    if name is None:
        return None
    base = _CONTROL.sub("", _PATH_SEPARATORS.split(scrub(name))[-1]).strip()
    return None if base in ("", ".", "..") else base


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


def content_type(value: str | None) -> str:
    """The bare, lower-case media type of a Content-Type value; octet-stream when it is not one."""
    bare = (value or "").split(";", 1)[0].strip().lower()
    return bare if _MIME_TYPE.fullmatch(bare) else DEFAULT_CONTENT_TYPE
