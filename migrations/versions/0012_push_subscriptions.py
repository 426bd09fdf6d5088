"""push_subscriptions: services the feed's events are pushed to, signed, and how far each has got

Revision ID: 0012_push_subscriptions
Revises: 0011_event_time_milliseconds
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.models.base import BigId, JsonDoc
from app.core.models.base import UTCDateTime as UTC

revision: str = "0012_push_subscriptions"
down_revision: str | None = "0011_event_time_milliseconds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("types", JsonDoc, nullable=True),
        sa.Column("region", sa.String(8), nullable=True),
        sa.Column("signing_secret", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("cursor_xact", sa.BigInteger(), nullable=False),
        sa.Column("cursor_id", sa.BigInteger(), nullable=False),
        sa.Column("batch_end_xact", sa.BigInteger(), nullable=True),
        sa.Column("batch_end_id", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("failing_since", UTC(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.Column("lease_until", UTC(), nullable=True),
        sa.Column("holder", sa.Text(), nullable=True),
        sa.Column("delivered_at", UTC(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_push_subscriptions"),
    )
    op.create_index(
        "ix_push_subscriptions_status_next_attempt_at", "push_subscriptions", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_push_subscriptions_status_next_attempt_at", table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
