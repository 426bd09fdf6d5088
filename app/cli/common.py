"""What the operator commands share: exit codes, the domains asked for, times and ages as typed."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import click

from app.core.settings import Settings, SettingsError, load_settings

OK, PROBLEMS, USAGE = 0, 1, 2

_AGO = re.compile(r"(\d+)\s*([mhd])", re.ASCII)
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def settings_or_exit() -> Settings:
    """Settings, or one clear line naming the wrong variable and exit status 2."""
    try:
        return load_settings()
    except SettingsError as exc:
        click.echo(f"mailhook: configuration error: {exc}", err=True)
        sys.exit(USAGE)


def fail(message: str, code: int = USAGE) -> NoReturn:
    click.echo(f"mailhook: {message}", err=True)
    sys.exit(code)


def need_api_key(settings: Settings) -> None:
    if not settings.api_key:
        fail("MAILGUN_API_KEY is not set: Mailgun cannot be called")


def chosen_domains(settings: Settings, requested: Sequence[str]) -> list[str]:
    """The configured domains asked for (all when none is named); a domain not configured is a usage error."""
    if not settings.domain_regions:
        fail("MAILGUN_DOMAINS is empty: configure the domains and their regions (example.com:us)")
    if not requested:
        return sorted(settings.domain_regions)
    unknown = [d for d in requested if d.strip().lower() not in settings.domain_regions]
    if unknown:
        fail(f"not in MAILGUN_DOMAINS: {', '.join(unknown)} (each domain's region must be configured)")
    return list(dict.fromkeys(d.strip().lower() for d in requested))


def parse_moment(raw: str, now: datetime | None = None) -> datetime:
    """`6h`, `30m`, `2d` (that long ago), or RFC 3339, RFC 2822 or epoch seconds."""
    from app.core.timeparse import TimeParseError, parse_time

    ago = _AGO.fullmatch(raw.strip().lower())
    if ago:
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[ago.group(2)]: int(ago.group(1))})
    try:
        return parse_time(raw)
    except TimeParseError as exc:
        raise click.BadParameter(f"{raw!r} {exc}, nor an age such as 6h or 2d") from None


def parse_age(raw: str) -> timedelta:
    """`30` (days), `30d`, `12h` or `90m`."""
    text = raw.strip().lower()
    if text.isdigit():
        text += "d"
    ago = _AGO.fullmatch(text)
    if not ago or int(ago.group(1)) <= 0:
        raise click.BadParameter(f"{raw!r} is not an age such as 30d, 12h or 30 (days)")
    return timedelta(**{_UNITS[ago.group(2)]: int(ago.group(1))})


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def stamp(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if moment else "-"
