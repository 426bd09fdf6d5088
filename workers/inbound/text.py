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

T = TypeVar("T")

_SURROGATES = re.compile("[\ud800-\udfff]")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_MSG_ID = re.compile(r"<([^<>]*)>")
_PATH_SEPARATORS = re.compile(r"[/\\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MIME_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+", re.ASCII)
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# One address of a list, up to a top-level "," (or a group's ":" and ";"): quoted strings, comments and
# <...> are read whole, closed or not, so the separators inside them do not split.
_ADDRESS_ITEM = re.compile(
    r'(?:"(?:[^"\\]|\\.)*+"?|\((?:[^()\\]|\\.)*+\)?|<[^>]*+>?|[^,;:"(<]++)++', re.DOTALL
)
MAX_ADDRESS_ITEM = 2048  # far past any real display name and address


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


def decode_words(value: str, max_words: int | None = None) -> str:
    """`value` with its RFC 2047 encoded words decoded; words that do not decode stay as they are, and so do
    the words past the first `max_words`."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending = _PendingWords()
    position, after_word = 0, False
    for count, match in enumerate(_ENCODED_WORD.finditer(value)):
        if max_words is not None and count >= max_words:
            break
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
        self.data: list[bytes] = []  # joined once: appending to one bytes object is quadratic

    def add(self, charset: str, data: bytes) -> str:
        charset = charset.split("*", 1)[0].lower()
        flushed = self.flush() if charset != self.charset else ""
        self.charset = charset
        self.data.append(data)
        return flushed

    def flush(self) -> str:
        text = decode_bytes(b"".join(self.data), self.charset) if self.data else ""
        self.charset, self.data = "", []
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


def header_text(value: str | None, max_words: int | None = None) -> str | None:
    """A header value for display: unfolded and decoded; None when absent."""
    return None if value is None else decode_words(unfold(value), max_words)


def addresses(value: str | None, max_words: int | None = None) -> list[tuple[str, str]]:
    """(display name, address) pairs of an address header; entries without an `@` are left out."""
    if not value:
        return []
    pairs: list[tuple[str, str]] = []
    # One item at a time: the stdlib's address list parser is quadratic in a list's length (group syntax).
    for item in _ADDRESS_ITEM.finditer(unfold(value)):
        if len(item[0]) <= MAX_ADDRESS_ITEM:
            pairs += safely(lambda text=item[0]: getaddresses([text]), [])  # type: ignore[misc]
    return [(decode_words(name, max_words).strip(), addr.strip()) for name, addr in pairs if "@" in addr]


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


def content_type(value: str | None) -> str:
    """The bare, lower-case media type of a Content-Type value; octet-stream when it is not one."""
    bare = (value or "").split(";", 1)[0].strip().lower()
    return bare if _MIME_TYPE.fullmatch(bare) else DEFAULT_CONTENT_TYPE
