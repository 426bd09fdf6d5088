"""Development secrets, so that a newcomer's service verifies signatures and serves its API from the first
minute: a signing key and an API token, random, kept under var/ and printed at start.

Only in development: production refuses to start without MAILGUN_WEBHOOK_SIGNING_KEYS and
MAILHOOK_API_TOKENS instead.
"""

from __future__ import annotations

import dataclasses
import secrets
from pathlib import Path

from app.core.settings import Settings

DEV_KEY_PATH = Path("var") / "dev-signing-key"
DEV_TOKEN_PATH = Path("var") / "dev-api-token"


def with_dev_secrets(
    settings: Settings, key_path: Path = DEV_KEY_PATH, token_path: Path = DEV_TOKEN_PATH
) -> Settings:
    """The settings, with a persisted random signing key and API token for whichever is not configured."""
    if settings.env != "development":  # tests and production say exactly what they accept
        return settings
    if not settings.signing_keys:
        settings = dataclasses.replace(settings, signing_keys=(_persisted_secret(key_path, "dev-"),))
    if not settings.api_tokens:
        settings = dataclasses.replace(settings, api_tokens=(_persisted_secret(token_path, "dev-token-"),))
    return settings


def _persisted_secret(path: Path, prefix: str) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = prefix + secrets.token_hex(24)
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return secret


def dev_secret_in_use(configured: tuple[str, ...], path: Path) -> str | None:
    """The development secret when it is the one in use, else None."""
    if path.exists() and configured == (path.read_text().strip(),):
        return configured[0]
    return None
