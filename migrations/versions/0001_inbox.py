"""inbox: every signed delivery as received

Revision ID: 0001_inbox
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.models.base import BigId, JsonDoc
from app.core.models.base import UTCDateTime as UTC

revision: str = "0001_inbox"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("token", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("route", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("headers", JsonDoc, nullable=False),
        sa.Column("region_hint", sa.String(8), nullable=True),
        sa.Column("domain_hint", sa.Text(), nullable=True),
        sa.Column("signed_at", UTC(), nullable=True),
        sa.Column("received_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("processed_at", UTC(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inbox"),
        sa.UniqueConstraint("token", name="uq_inbox_token"),
    )
    pending = sa.text("status = 'pending'")
    dead = sa.text("status = 'dead'")
    op.create_index("ix_inbox_pending", "inbox", ["id"], postgresql_where=pending, sqlite_where=pending)
    op.create_index("ix_inbox_dead", "inbox", ["id"], postgresql_where=dead, sqlite_where=dead)
    op.create_index("ix_inbox_received_at", "inbox", ["received_at"])


def downgrade() -> None:
    op.drop_table("inbox")
