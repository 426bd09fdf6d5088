"""A development signing key, so that a newcomer's service verifies signatures from the first minute.

Only outside production: production refuses to start without MAILGUN_WEBHOOK_SIGNING_KEYS instead.
"""

from __future__ import annotations

import dataclasses
import secrets
from pathlib import Path

from app.settings import Settings

DEV_KEY_PATH = Path("var") / "dev-signing-key"


def with_dev_signing_key(settings: Settings, path: Path = DEV_KEY_PATH) -> Settings:
    """The same settings, with a persisted random key when none is configured and not in production."""
    if settings.signing_keys or settings.is_production:
        return settings
    return dataclasses.replace(settings, signing_keys=(dev_signing_key(path),))


def dev_signing_key(path: Path = DEV_KEY_PATH) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = "dev-" + secrets.token_hex(24)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


def uses_dev_key(settings: Settings, path: Path = DEV_KEY_PATH) -> bool:
    return path.exists() and settings.signing_keys == (path.read_text().strip(),)
