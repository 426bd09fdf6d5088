"""inbound_messages and attachments

Revision ID: 0003_inbound
Revises: 0002_events
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.models.base import BigId, JsonDoc
from app.core.models.base import UTCDateTime as UTC

revision: str = "0003_inbound"
down_revision: str | None = "0002_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _messages()
    _attachments()


def _messages() -> None:
    op.create_table(
        "inbound_messages",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("inbox_id", sa.BigInteger(), nullable=True),
        sa.Column("token", sa.String(255), nullable=True),
        sa.Column("received_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.Column("region", sa.String(8), nullable=True),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("recipient", sa.Text(), nullable=True),
        sa.Column("sender", sa.Text(), nullable=True),
        sa.Column("from_name", sa.Text(), nullable=True),
        sa.Column("from_address", sa.Text(), nullable=True),
        sa.Column("to_addresses", JsonDoc, nullable=False),
        sa.Column("cc_addresses", JsonDoc, nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("date", UTC(), nullable=True),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("in_reply_to", sa.Text(), nullable=True),
        sa.Column("reference_ids", JsonDoc, nullable=False),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("stripped_text", sa.Text(), nullable=True),
        sa.Column("stripped_html", sa.Text(), nullable=True),
        sa.Column("stripped_signature", sa.Text(), nullable=True),
        sa.Column("headers", JsonDoc, nullable=False),
        sa.Column("spam_flag", sa.Boolean(), nullable=True),
        sa.Column("spam_score", sa.Float(), nullable=True),
        sa.Column("storage_url", sa.Text(), nullable=True),
        sa.Column("stored_attachments", JsonDoc, nullable=False),
        sa.Column("raw_mime", sa.LargeBinary(), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("fetch_status", sa.String(10), nullable=True),
        sa.Column("fetch_attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("fetch_error", sa.Text(), nullable=True),
        sa.Column("fetch_next_at", UTC(), nullable=True),
        sa.Column("fetched_at", UTC(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_messages"),
        sa.UniqueConstraint("token", name="uq_inbound_messages_token"),
    )
    has_id = sa.text("message_id IS NOT NULL")
    pending = sa.text("fetch_status = 'pending'")
    op.create_index(
        "uq_inbound_messages_message_id_content_hash",
        "inbound_messages",
        ["message_id", "content_hash"],
        unique=True,
        postgresql_where=has_id,
        sqlite_where=has_id,
    )
    op.create_index("ix_inbound_messages_received_at_id", "inbound_messages", ["received_at", "id"])
    op.create_index(
        "ix_inbound_messages_recipient_received_at", "inbound_messages", ["recipient", "received_at", "id"]
    )
    op.create_index(
        "ix_inbound_messages_sender_received_at", "inbound_messages", ["sender", "received_at", "id"]
    )
    op.create_index(
        "ix_inbound_messages_fetch_pending",
        "inbound_messages",
        ["fetch_next_at"],
        postgresql_where=pending,
        sqlite_where=pending,
    )


def _attachments() -> None:
    op.create_table(
        "inbound_attachments",
        sa.Column("inbound_message_id", BigId, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("inline", sa.Boolean(), nullable=False),
        sa.Column("content_id", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbound_message_id"],
            ["inbound_messages.id"],
            ondelete="CASCADE",
            name="fk_inbound_attachments_inbound_message_id_inbound_messages",
        ),
        sa.PrimaryKeyConstraint("inbound_message_id", "n", name="pk_inbound_attachments"),
    )


def downgrade() -> None:
    op.drop_table("inbound_attachments")
    op.drop_table("inbound_messages")
