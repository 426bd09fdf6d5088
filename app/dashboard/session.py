"""Dashboard sessions: a random secret in the cookie, a row in the primary database (models/sessions.py).

Each sign-in makes a new secret; sign-out deletes the row; a row past `expires_at` or whose API token is no
longer configured opens nothing (and is deleted when seen). Every configured token is compared every time,
in constant time. Neither the secret nor the token ever reaches a log line.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Engine, Table, delete, insert, select

from app.core.models.sessions import DashboardSession

COOKIE = "mailhook_dashboard"
# The pages a dashboard session opens, each sent the cookie under its own path: the dashboard and the API
# reference (app/api/reference.py). The rest of /api/v1 never receives it, so it stays token-only.
COOKIE_PATHS = ("/dashboard", "/api/v1/docs")
LIFETIME = timedelta(hours=12)
sessions = cast(Table, DashboardSession.__table__)


def start_session(engine: Engine, token: str, *, now: datetime | None = None) -> str:
    """A new session for a browser that signed in with `token`; the cookie's value."""
    now = now or datetime.now(UTC)
    secret = secrets.token_urlsafe(32)
    with engine.begin() as connection:
        connection.execute(delete(sessions).where(sessions.c.expires_at <= now))  # the table stays small
        connection.execute(
            insert(sessions).values(
                secret_sha256=_digest(secret),
                token_binding=_binding(secret, token),
                expires_at=now + LIFETIME,
            )
        )
    return secret


def session_is_open(engine: Engine, secret: str | None, tokens: Iterable[str]) -> bool:
    return session_token(engine, secret, tokens) is not None


def session_token(engine: Engine, secret: str | None, tokens: Iterable[str]) -> str | None:
    """The configured token this browser's session was opened with, or None when it opens nothing."""
    if not secret:
        return None
    with engine.begin() as connection:
        row = connection.execute(
            select(sessions.c.token_binding, sessions.c.expires_at).where(_is_session(secret))
        ).first()
        if row is None:
            return None
        matched: str | None = None
        for token in tokens:  # every token, every time: the position of the match takes no longer
            if hmac.compare_digest(row.token_binding, _binding(secret, token)):
                matched = token
        if matched is not None and row.expires_at > datetime.now(UTC):
            return matched
        connection.execute(delete(sessions).where(_is_session(secret)))
        return None


def end_session(engine: Engine, secret: str | None) -> None:
    if secret:
        with engine.begin() as connection:
            connection.execute(delete(sessions).where(_is_session(secret)))


def _is_session(secret: str) -> ColumnElement[bool]:
    """The row of the session this secret opens (the table keeps only the secret's digest)."""
    return sessions.c.secret_sha256 == _digest(secret)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _binding(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()
