"""`inbound_messages` and `inbound_attachments`: inbound mail as parsed, raw MIME kept when Mailgun sent it.

A store() notification first becomes a message in `fetch_status = 'pending'` (what the notification itself
says), completed once the stored message is fetched; every other message has no fetch status.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models.base import (
    Base,
    BigId,
    big_pk,
    json_doc,
    text,
    text_or_none,
    utc_now,
    utc_time_or_none,
)

FETCH_STATUSES = ("pending", "done", "failed")


class InboundMessageRow(Base):
    __tablename__ = "inbound_messages"

    id: Mapped[big_pk]
    # No foreign key: retention purges the inbox and the messages on their own schedules.
    inbox_id: Mapped[int | None] = mapped_column(BigInteger(), nullable=True)
    # The delivery's signature token: a replayed inbox row never stores the message twice.
    token: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    received_at: Mapped[utc_now]
    # Null when neither configuration, a storage URL nor a hint says which region processed the mail.
    region: Mapped[str | None] = mapped_column(String(8), nullable=True)
    domain: Mapped[text_or_none]
    recipient: Mapped[text_or_none]
    sender: Mapped[text_or_none]
    from_name: Mapped[text_or_none]
    from_address: Mapped[text_or_none]
    to_addresses: Mapped[json_doc]
    cc_addresses: Mapped[json_doc]
    subject: Mapped[text_or_none]
    date: Mapped[utc_time_or_none]
    message_id: Mapped[text_or_none]
    in_reply_to: Mapped[text_or_none]
    reference_ids: Mapped[json_doc]
    body_text: Mapped[text_or_none]
    body_html: Mapped[text_or_none]
    stripped_text: Mapped[text_or_none]
    stripped_html: Mapped[text_or_none]
    stripped_signature: Mapped[text_or_none]
    headers: Mapped[json_doc]
    spam_flag: Mapped[bool | None] = mapped_column(Boolean(), nullable=True)
    spam_score: Mapped[float | None] = mapped_column(Float(), nullable=True)
    storage_url: Mapped[text_or_none]
    stored_attachments: Mapped[json_doc]
    raw_mime: Mapped[bytes | None] = mapped_column(LargeBinary(), nullable=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    fetch_status: Mapped[str | None] = mapped_column(String(10), nullable=True)
    fetch_attempts: Mapped[int] = mapped_column(Integer(), nullable=False, server_default="0")
    fetch_error: Mapped[text_or_none]
    fetch_next_at: Mapped[utc_time_or_none]
    fetched_at: Mapped[utc_time_or_none]

    __table_args__ = (
        # The same message delivered twice (another route, a second forward) is stored once.
        Index(
            "uq_inbound_messages_message_id_content_hash",
            "message_id",
            "content_hash",
            unique=True,
            postgresql_where=sql_text("message_id IS NOT NULL"),
            sqlite_where=sql_text("message_id IS NOT NULL"),
        ),
        # Keyset pagination walks (received_at, id) newest first, optionally for one address.
        Index("ix_inbound_messages_received_at_id", "received_at", "id"),
        Index("ix_inbound_messages_recipient_received_at", "recipient", "received_at", "id"),
        Index("ix_inbound_messages_sender_received_at", "sender", "received_at", "id"),
        Index(
            "ix_inbound_messages_fetch_pending",
            "fetch_next_at",
            postgresql_where=sql_text("fetch_status = 'pending'"),
            sqlite_where=sql_text("fetch_status = 'pending'"),
        ),
    )


class InboundAttachmentRow(Base):
    __tablename__ = "inbound_attachments"

    inbound_message_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("inbound_messages.id", ondelete="CASCADE"), primary_key=True
    )
    # 1-based position in the message, as Mailgun numbers attachment-N.
    n: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=False)
    filename: Mapped[text_or_none]
    content_type: Mapped[text]
    size: Mapped[int] = mapped_column(BigInteger(), nullable=False)
    # Null when the attachment is over MAILHOOK_ATTACHMENT_MAX_BYTES: its size and sha256 stay known.
    content: Mapped[bytes | None] = mapped_column(LargeBinary(), nullable=True)
    inline: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    content_id: Mapped[text_or_none]
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
