"""Query parameters: read once, checked, refused with a 400 that names the parameter. Pure: no Flask.

Unknown and repeated parameters are refused: a misspelt filter that is silently ignored answers with
everything, which reads as a correct answer. An empty value counts as absent, so `?domain=` is harmless.
A NUL character is refused in every parameter, query or path: Postgres text cannot hold one (the query would
fail there), and SQLite would answer where Postgres cannot, so both refuse it alike.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from app.api.bounds import MAX_BIGINT, MAX_ID_DIGITS
from app.api.problems import bad_parameter, not_found
from app.core.timeparse import TimeParseError, parse_time

Args = Mapping[str, str]


def read_args(pairs: Iterable[tuple[str, str]], allowed: Collection[str]) -> Args:
    args: dict[str, str] = {}
    for name, value in pairs:
        if name not in allowed:
            raise bad_parameter(name, f"is unknown here; known: {', '.join(sorted(allowed)) or 'none'}")
        if name in args:
            raise bad_parameter(name, "is given more than once")
        args[name] = text_param(value, name)
    return {name: value for name, value in args.items() if value.strip()}


def time_arg(args: Args, name: str) -> datetime | None:
    raw = args.get(name)
    if raw is None:
        return None
    try:
        return parse_time(raw)
    except TimeParseError as exc:
        raise bad_parameter(name, str(exc)) from None


def time_range(args: Args) -> tuple[datetime | None, datetime | None]:
    """`since` (inclusive) and `until` (exclusive), each optional; since after until is a 400."""
    since, until = time_arg(args, "since"), time_arg(args, "until")
    if since is not None and until is not None and since > until:
        raise bad_parameter("since", "is after 'until'")
    return since, until


def choice_arg(args: Args, name: str, choices: Collection[str]) -> str | None:
    raw = args.get(name)
    if raw is None:
        return None
    value = raw.strip().lower()
    if value not in choices:
        raise bad_parameter(name, f"must be one of {', '.join(choices)}")
    return value


def lower_arg(args: Args, name: str) -> str | None:
    raw = args.get(name)
    return raw.strip().lower() if raw is not None else None


def message_id_text(raw: str) -> str:
    """Message ids are stored without angle brackets (Mailgun's events omit them, its send API adds them)."""
    return raw.strip().removeprefix("<").removesuffix(">").strip()


def text_param(raw: str, name: str) -> str:
    """A text parameter (a query value, an address or Message-Id in the path), refused with a NUL in it."""
    if "\x00" in raw:
        raise bad_parameter(name, "must not contain a NUL character")
    return raw


def path_id(raw: str, what: str, maximum: int = MAX_BIGINT) -> int:
    """A row id from the path; anything that cannot be one names nothing, so 404 rather than a query error.

    `maximum` is the column's: row ids are 64-bit, attachment numbers 32-bit (app/api/bounds.py)."""
    digits = raw.lstrip("0")
    if not raw.isascii() or not raw.isdigit() or len(digits) > MAX_ID_DIGITS or int(raw) > maximum:
        raise not_found(what)
    return int(raw)
