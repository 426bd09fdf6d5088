"""Reading one setting's value from the environment: flags, seconds, counts, ports, lists. Each wrong value
raises SettingsError with one line naming the variable (app/core/settings.py reads them all at start)."""

from __future__ import annotations

from collections.abc import Mapping


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names the variable."""


def csv_values(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in env.get(name, "").split(",") if part.strip())


_TRUE_WORDS = ("1", "true", "yes", "on")
_FALSE_WORDS = ("0", "false", "no", "off")


def flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in _TRUE_WORDS + _FALSE_WORDS:
        raise SettingsError(f"{name} must be true or false (or 1/0, yes/no, on/off), got {raw!r}")
    return raw in _TRUE_WORDS


def seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 < value < float("inf"):
        raise SettingsError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def percent(env: Mapping[str, str], name: str, default: float) -> float:
    """A percentage in the environment (`5` or `0.1`), as the fraction it stands for."""
    raw = env.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise SettingsError(f"{name} must be a percentage such as 5 or 0.1, got {raw!r}") from None
    if not 0 < value <= 100:
        raise SettingsError(f"{name} must be a percentage above 0 and at most 100, got {raw!r}")
    return value / 100


def count(
    env: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int | None = None
) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise SettingsError(f"{name} must be at most {maximum}, got {value}")
    return value


def port(env: Mapping[str, str], name: str) -> int | None:
    if not env.get(name, "").strip():
        return None
    port = count(env, name, 0, minimum=1)
    if port > 65535:
        raise SettingsError(f"{name} must be a TCP port (1-65535), got {port}")
    return port
