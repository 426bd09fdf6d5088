"""`inbox`: every signed delivery exactly as received, committed before the 200."""

from __future__ import annotations

from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models.base import Base, big_pk, json_doc, text, text_or_none, utc_now, utc_time_or_none

# What arrived, decided at intake from the route and the body's shape.
KINDS = ("webhook", "legacy_webhook", "inbound", "inbound_mime", "store_notify", "events_api", "logs_api")
STATUSES = ("pending", "done", "dead")


class InboxRow(Base):
    __tablename__ = "inbox"

    id: Mapped[big_pk]
    # Mailgun's signature token: accepted once, so a replayed signature changes nothing.
    token: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    route: Mapped[text]
    content_type: Mapped[text]
    body: Mapped[bytes] = mapped_column(LargeBinary(), nullable=False)
    headers: Mapped[json_doc]
    region_hint: Mapped[str | None] = mapped_column(String(8), nullable=True)
    domain_hint: Mapped[text_or_none]
    signed_at: Mapped[utc_time_or_none]
    received_at: Mapped[utc_now]
    request_id: Mapped[text_or_none]
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer(), nullable=False, server_default="0")
    error: Mapped[text_or_none]
    processed_at: Mapped[utc_time_or_none]

    __table_args__ = (
        # Claiming scans only what is pending; dead letters are listed on their own.
        Index(
            "ix_inbox_pending",
            "id",
            postgresql_where=sql_text("status = 'pending'"),
            sqlite_where=sql_text("status = 'pending'"),
        ),
        Index(
            "ix_inbox_dead",
            "id",
            postgresql_where=sql_text("status = 'dead'"),
            sqlite_where=sql_text("status = 'dead'"),
        ),
        Index("ix_inbox_received_at", "received_at"),
    )
