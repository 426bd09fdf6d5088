"""A raw MIME message split into header blocks and leaf parts, without the email package, within bounds.

The stdlib feed parser builds a Message per part however many there are (1 M empty parts: a minute and
half a gigabyte) and hands every header to a parser that is quadratic in some shapes. Here each header block
and each multipart body is cut with bytes.find and anchored regular expressions, in time linear in the
message, and the bounds of `MimeLimits` stop the walk before a hostile structure costs more: headers past
the count, parts past the count and nesting past the depth are left in the raw MIME only; a header past the
size is kept raw, cut at the bound, and never interpreted. What a bound cut short is said in `Scan.bounded`.

Pure: no I/O; nothing here raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from workers.inbound.limits import MimeLimits
from workers.inbound.params import HeaderParams, parse_params

_HEADER_NAME = re.compile(rb"[\x21-\x39\x3b-\x7e]*+:")  # RFC 5322 field name, then the colon
_HEADER_END = re.compile(rb"\n(?![ \t])")  # a line break that does not fold the header on
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_DELIMITER_TAIL = re.compile(rb"(--)?[ \t]*+(?:\r\n|\n|\r|\Z)")


@dataclass(frozen=True, slots=True)
class RawHeader:
    name: str
    value: str  # as received: folded, 8-bit bytes as surrogate escapes; cut at the bound when `cut`
    cut: bool = False


@dataclass(frozen=True, slots=True)
class Leaf:
    """A part that is not split further: a body, an attachment, an attached message, or a multipart left
    whole (no boundary found in it, or nested past the depth bound)."""

    headers: list[RawHeader]
    body: bytes
    default_type: str = "text/plain"


@dataclass(slots=True)
class Scan:
    headers: list[RawHeader] = field(default_factory=list)
    leaves: list[Leaf] = field(default_factory=list)
    bounded: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class _Entity:
    headers: list[RawHeader]
    start: int  # of the body
    end: int
    depth: int
    default_type: str


def scan(raw: bytes, limits: MimeLimits) -> Scan:
    result = Scan()
    headers, body = _header_block(raw, 0, len(raw), limits, result.bounded, keep_all=True)
    result.headers = headers
    stack = [_Entity(headers, body, len(raw), 0, "text/plain")]
    parts = 1
    while stack:
        entity = stack.pop()
        media_type, children = _children(raw, entity, limits, result.bounded, limits.max_parts - parts)
        if children is None:
            result.leaves.append(Leaf(entity.headers, raw[entity.start : entity.end], entity.default_type))
            continue
        parts += len(children)
        default = "message/rfc822" if media_type == "multipart/digest" else "text/plain"
        for start, end in reversed(children):
            child_headers, body = _header_block(raw, start, end, limits, result.bounded)
            stack.append(_Entity(child_headers, body, end, entity.depth + 1, default))
    return result


def first_header(headers: list[RawHeader], name: str) -> RawHeader | None:
    """The first `name` header that is not cut (a cut one is read as absent)."""
    for header in headers:
        if header.name.lower() == name:
            return None if header.cut else header
    return None


def content_type(
    headers: list[RawHeader], limits: MimeLimits, bounded: set[str]
) -> tuple[str, dict[str, str]]:
    """(media type, parameters) of the Content-Type; ("", {}) when there is none or it is not a type."""
    header = first_header(headers, "content-type")
    if header is None:
        return "", {}
    parsed = bounded_params(header.value, limits, bounded)
    kind, slash, sub = parsed.main.partition("/")
    if not (slash and kind.strip() and sub.strip()):
        return "", {}
    return f"{kind.strip()}/{sub.strip()}", parsed.params


def bounded_params(value: str, limits: MimeLimits, bounded: set[str]) -> HeaderParams:
    parsed = parse_params(value, limits.max_params)
    if parsed.truncated:
        bounded.add(f"parameters past {limits.max_params} in a header not read")
    return parsed


def _header_block(
    raw: bytes, start: int, end: int, limits: MimeLimits, bounded: set[str], *, keep_all: bool = False
) -> tuple[list[RawHeader], int]:
    """The headers of the entity at raw[start:end] (of a part: its Content-* headers only, the rest is
    never read), and where its body starts."""
    headers: list[RawHeader] = []
    position, seen = start, 0
    if start == 0 and raw.startswith(b"From "):  # an mbox separator line, skipped as the stdlib parser does
        position = _line_end(raw, position, end)
    while position < end:
        if raw.startswith((b"\r\n", b"\n"), position):
            return headers, _line_end(raw, position, end)
        if seen >= limits.max_headers:
            bounded.add(f"headers past {limits.max_headers} in a header block left in the raw MIME only")
            found = _BLANK_LINE.search(raw, position, end)
            return headers, found.end() if found else end
        name = _HEADER_NAME.match(raw, position, end)
        if name is None:
            if raw.startswith((b" ", b"\t"), position):  # a fold with no header before it
                position = _header_end(raw, position, end)
                continue
            return headers, position  # not a header: the body starts here, as the stdlib parser has it
        stop = _header_end(raw, name.end(), end)
        if keep_all or raw[position : position + 8].lower() == b"content-":
            headers.append(_header(raw, position, name.end(), stop, limits, bounded))
        position, seen = stop, seen + 1
    return headers, end


def _header(
    raw: bytes, start: int, colon: int, stop: int, limits: MimeLimits, bounded: set[str]
) -> RawHeader:
    bound = limits.max_header_bytes
    cut = stop - start > bound
    if cut:
        bounded.add(f"headers over {bound} bytes kept raw, not read")
    name = raw[start : min(colon - 1, start + bound)].decode("ascii", "surrogateescape")
    value = raw[colon : max(colon, min(stop, start + bound))].decode("ascii", "surrogateescape")
    return RawHeader(name, value.lstrip(" \t").rstrip("\r\n"), cut)


def _header_end(raw: bytes, position: int, end: int) -> int:
    found = _HEADER_END.search(raw, position, end)
    return found.end() if found else end


def _line_end(raw: bytes, position: int, end: int) -> int:
    found = raw.find(b"\n", position, end)
    return end if found < 0 else found + 1


def _children(
    raw: bytes, entity: _Entity, limits: MimeLimits, bounded: set[str], budget: int
) -> tuple[str, list[tuple[int, int]] | None]:
    """The media type, and the (start, end) ranges of a multipart's parts (None when it is a leaf)."""
    media_type, params = content_type(entity.headers, limits, bounded)
    boundary = params.get("boundary", "")
    if not media_type.startswith("multipart/") or not boundary:
        return media_type, None
    if entity.depth >= limits.max_depth:
        bounded.add(f"multiparts nested past {limits.max_depth} levels kept whole")
        return media_type, None
    split = _split(raw, entity.start, entity.end, boundary.encode("utf-8", "surrogateescape"), max(budget, 0))
    if split is None:
        return media_type, None
    parts, cut_short = split
    if cut_short:
        bounded.add(f"parts past {limits.max_parts} left in the raw MIME only")
    return media_type, parts


def _split(
    raw: bytes, start: int, end: int, boundary: bytes, budget: int
) -> tuple[list[tuple[int, int]], bool] | None:
    """Parts between delimiter lines (RFC 2046 5.1.1), at most `budget`, and whether more were left: the line
    break before a delimiter belongs to it; the preamble and the epilogue are not parts; a last part that
    never closes runs to the end of the entity. None when the boundary never appears."""
    parts: list[tuple[int, int]] = []
    opened = -1  # where the current part's content starts
    for at, closing, after in _delimiters(raw, start, end, b"--" + boundary):
        if opened >= 0:
            before = 2 if at - 2 >= opened and raw.startswith(b"\r\n", at - 2) else 1
            parts.append((opened, max(opened, at - before)))
        if closing:
            return parts, False
        if len(parts) >= budget:
            return parts, True
        opened = after
    if opened < 0:
        return None
    parts.append((opened, end))
    return parts, False


def _delimiters(raw: bytes, start: int, end: int, dash_boundary: bytes) -> Iterator[tuple[int, bool, int]]:
    """(start, is the close delimiter, end) of each delimiter line: `--boundary` at a line start, `--` or
    not, transport padding, the line break."""
    at = start if raw.startswith(dash_boundary, start) else _next_line_with(raw, start, end, dash_boundary)
    while at >= 0:
        tail = _DELIMITER_TAIL.match(raw, at + len(dash_boundary), end)
        if tail is not None:
            yield at, tail[1] is not None, tail.end()
            # The search restarts on the line break that ended this delimiter: the next may follow at once.
            at = _next_line_with(raw, max(tail.end() - 1, at + 1), end, dash_boundary)
        else:
            at = _next_line_with(raw, at + len(dash_boundary), end, dash_boundary)


def _next_line_with(raw: bytes, position: int, end: int, prefix: bytes) -> int:
    found = raw.find(b"\n" + prefix, position, end)
    return found + 1 if found >= 0 else -1
