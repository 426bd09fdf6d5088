"""Content-Type and Content-Disposition values read in one linear pass: the media type or disposition, and
the parameters (RFC 2045 quoting, RFC 2231 continuations and charsets).

Python's email header parser takes quadratic or worse time on some parameter shapes (64 KiB of `"` took
it over five minutes; `;` inside a quoted filename, twenty seconds), so a part's parameters are read here
instead, and only the first `max_params` of them. Pure; nothing here raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from workers.inbound.text import decode_bytes

# name=value after a ";". A quoted value is one quoted-string; possessive, so a value that never closes
# costs one scan, not one per starting point.
_PARAM = re.compile(
    r';[ \t\r\n]*+([^\s=;"]++)[ \t\r\n]*+=[ \t\r\n]*+("(?:[^"\\]++|\\.)*+"|[^;]*+)', re.DOTALL
)
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)
_SECTION = re.compile(r"([^*]+)\*([0-9]{1,3})(\*?)")


@dataclass(slots=True)
class HeaderParams:
    """The value before the first ";" (lower case, stripped) and the parameters by lower-case name."""

    main: str
    params: dict[str, str] = field(default_factory=dict)
    truncated: bool = False  # more parameters than the bound: the rest were not read


def parse_params(value: str, max_params: int) -> HeaderParams:
    main, _, _ = value.partition(";")
    parsed = HeaderParams(main.strip().lower())
    plain: dict[str, str] = {}
    extended: dict[str, tuple[int, bool, str]] = {}
    sections: dict[str, dict[int, tuple[bool, str]]] = {}
    for count, match in enumerate(_PARAM.finditer(value, len(main))):
        if count >= max_params:
            parsed.truncated = True
            break
        name, raw = match[1].lower(), match[2].strip()
        section = _SECTION.fullmatch(name)
        if section is not None:
            sections.setdefault(section[1], {}).setdefault(
                int(section[2]), (bool(section[3]), _unquoted(raw))
            )
        elif name.endswith("*"):
            extended.setdefault(name[:-1], (0, True, _unquoted(raw)))
        else:
            plain.setdefault(name, _unquoted(raw))
    parsed.params = {**plain, **_joined(sections), **{k: _extended(v[2]) for k, v in extended.items()}}
    return parsed


def _unquoted(raw: str) -> str:
    """A quoted-string's content. A backslash before anything but `"` or `\\` is kept: no mailer escapes a
    letter, but Windows paths (`"\\share\\x.msg"`) do arrive unescaped."""
    if len(raw) < 2 or not (raw.startswith('"') and raw.endswith('"')):
        return raw.strip('"') if raw.startswith('"') else raw
    return _QUOTED_PAIR.sub(lambda pair: pair[1] if pair[1] in '"\\' else pair[0], raw[1:-1])


def _joined(sections: dict[str, dict[int, tuple[bool, str]]]) -> dict[str, str]:
    """RFC 2231 continuations (`name*0*=utf-8''a%20`, `name*1=b`): one value per name, in section order,
    decoded with the first section's charset."""
    joined = {}
    for name, parts in sections.items():
        charset, data, first = "", bytearray(), min(parts)
        for number in sorted(parts):
            encoded, text = parts[number]
            if encoded and number == first:
                charset, text = _split_charset(text)
            data += unquote_to_bytes(text) if encoded else text.encode("utf-8", "surrogateescape")
        joined[name] = decode_bytes(bytes(data), charset or "utf-8")
    return joined


def _extended(text: str) -> str:
    """An RFC 2231 single value, `charset'language'percent-encoded`."""
    charset, rest = _split_charset(text)
    return decode_bytes(unquote_to_bytes(rest), charset or "utf-8")


def _split_charset(text: str) -> tuple[str, str]:
    parts = text.split("'", 2)
    return (parts[0], parts[2]) if len(parts) == 3 else ("", text)
