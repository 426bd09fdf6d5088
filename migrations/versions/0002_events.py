"""events: one normalized row per Mailgun event

Revision ID: 0002_events
Revises: 0001_inbox
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.models.base import BigId, JsonDoc
from app.core.models.base import UTCDateTime as UTC

revision: str = "0002_events"
down_revision: str | None = "0001_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("mailgun_event_id", sa.Text(), nullable=False),
        sa.Column("occurred_at", UTC(), nullable=False),
        sa.Column("received_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(32), nullable=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("recipient", sa.Text(), nullable=True),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("tags", JsonDoc, nullable=False),
        sa.Column("user_variables", JsonDoc, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("delivery_status", JsonDoc, nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("ip", sa.Text(), nullable=True),
        sa.Column("client_info", JsonDoc, nullable=True),
        sa.Column("geolocation", JsonDoc, nullable=True),
        sa.Column("mailing_list", JsonDoc, nullable=True),
        sa.Column("storage_url", sa.Text(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("payload", JsonDoc, nullable=False),
        sa.Column("inbox_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.UniqueConstraint(
            "mailgun_event_id", "occurred_at", "event", name="uq_events_mailgun_event_id_occurred_at_event"
        ),
    )
    op.create_index("ix_events_occurred_at_id", "events", ["occurred_at", "id"])
    op.create_index("ix_events_recipient_occurred_at", "events", ["recipient", "occurred_at", "id"])
    op.create_index("ix_events_message_id_occurred_at", "events", ["message_id", "occurred_at", "id"])
    op.create_index("ix_events_domain_occurred_at", "events", ["domain", "occurred_at", "id"])
    op.create_index(
        "ix_events_tags",
        "events",
        ["tags"],
        postgresql_using="gin",
        postgresql_ops={"tags": "jsonb_path_ops"},
    )


def downgrade() -> None:
    op.drop_table("events")
