"""Times in and out of the API. Pure: no Flask, no database.

In: RFC 3339 (with `Z` or an offset), RFC 2822 (with a zone) or epoch seconds. Out: RFC 3339 in UTC with `Z`.
Every time parsed is an aware UTC datetime within Python's range, which both stores keep and compare
(app/api/bounds.py): an instant that leaves the range once its offset is applied (9999-12-31 23:59 -23:59)
is refused, never left to overflow later.

A time without a zone is refused rather than guessed: "09:00" means a different instant to every caller.
A `+` in a query string arrives as a space unless the client encoded it, so a space where an offset's sign
belongs is read as `+`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# re.ASCII throughout: to Python, \d also matches the digits of every other script.

_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<time>\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)"
    r"(?P<zone>[Zz]|[+\- ]\d{2}:\d{2})",
    re.ASCII,
)
# Up to 11 digits: epoch seconds reach year 5138; 13-digit millisecond values are refused, not misread.
_EPOCH = re.compile(r"\d{1,11}(?:\.\d{1,9})?", re.ASCII)
_RFC2822_ZONE = re.compile(r"\s(?:[+-]\d{4}|UT|UTC|GMT|[ECMP][SD]T)$", re.IGNORECASE | re.ASCII)
_RFC2822_UNSIGNED_OFFSET = re.compile(r"(\d{2}:\d{2}(?::\d{2})?)\s+(\d{4})$", re.ASCII)
# The year as written: the email module reads every year below 100 as two-digit, so "0001" would be 2001.
_RFC2822_YEAR = re.compile(r"\b[A-Za-z]{3}\s+(\d+)\s", re.ASCII)
_RFC2822_FIRST_YEAR = 1900  # RFC 5322 3.3: "any numeric year 1900 or later"


class TimeParseError(ValueError):
    """The text is not a time in any accepted format; the message says what is accepted."""


def parse_time(raw: str) -> datetime:
    """A UTC-aware datetime from RFC 3339, RFC 2822 or epoch seconds."""
    text = raw.strip()
    if not text:
        raise TimeParseError("is empty")
    for parser in (_parse_epoch, _parse_rfc3339, _parse_rfc2822):
        parsed = parser(text)
        if parsed is not None:
            return parsed
    raise TimeParseError("is not an RFC 3339 time with a zone, an RFC 2822 date with a zone or epoch seconds")


def format_time(value: datetime) -> str:
    """RFC 3339 in UTC, `Z` suffix; fractional seconds only when there are any."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not formatted: their instant is unknown")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def _parse_epoch(text: str) -> datetime | None:
    if not _EPOCH.fullmatch(text):
        return None
    whole, _, fraction = text.partition(".")
    # Integer arithmetic: a float would turn .000001 into .000000999...
    micros = int((fraction + "000000")[:6]) if fraction else 0
    return _checked(lambda: datetime.fromtimestamp(int(whole), UTC).replace(microsecond=micros))


def _parse_rfc3339(text: str) -> datetime | None:
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    clock = match["time"]
    if "." in clock:  # fromisoformat takes at most microseconds; finer digits are truncated.
        seconds, fraction = clock.split(".")
        clock = f"{seconds}.{(fraction + '000000')[:6]}"
    zone = match["zone"].upper().replace(" ", "+")
    return _checked(lambda: datetime.fromisoformat(f"{match['date']}T{clock}{zone}").astimezone(UTC))


def _parse_rfc2822(text: str) -> datetime | None:
    text = _RFC2822_UNSIGNED_OFFSET.sub(r"\1 +\2", text)
    if not _RFC2822_ZONE.search(text):
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    written = _RFC2822_YEAR.search(text)
    if written is not None and len(written[1]) >= 4 and int(written[1]) < _RFC2822_FIRST_YEAR:
        raise TimeParseError(f"is an RFC 2822 date before {_RFC2822_FIRST_YEAR}; use RFC 3339 for those")
    # `-0000` (UTC, local zone unknown) comes back naive.
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return _checked(lambda: parsed.astimezone(UTC))


def _checked(build: Callable[[], datetime]) -> datetime:
    """Run a constructor, turning out-of-range fields (month 13, year 0) into TimeParseError."""
    try:
        return build()
    except (ValueError, OverflowError, OSError) as exc:
        raise TimeParseError(f"is out of range ({exc})") from None
