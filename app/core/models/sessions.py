"""`dashboard_sessions`: one row per signed-in dashboard browser, in the primary database, so that every web
process sees the same sessions and sign-out ends one everywhere at once.

The cookie holds a random secret that is stored nowhere: the row is found by its SHA-256 and records an HMAC
of the API token keyed by the secret. A copy of the table alone neither opens a session nor lets anyone test
guesses of a token; a token removed from MAILHOOK_API_TOKENS no longer matches its sessions' binding.
"""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models.base import Base, utc_now, utc_time


class DashboardSession(Base):
    __tablename__ = "dashboard_sessions"

    secret_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_binding: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[utc_now]
    expires_at: Mapped[utc_time]

    __table_args__ = (Index("ix_dashboard_sessions_expires_at", "expires_at"),)
