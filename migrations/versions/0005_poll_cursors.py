"""poll_cursors for the Events API poller

Revision ID: 0005_poll_cursors
Revises: 0004_sync
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.models.base import BigId
from app.core.models.base import UTCDateTime as UTC

revision: str = "0005_poll_cursors"
down_revision: str | None = "0004_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "poll_cursors",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("domain", sa.Text(), nullable=False),
        sa.Column("trusted_until", UTC(), nullable=True),
        sa.Column("lease_until", UTC(), nullable=True),
        sa.Column("last_run_at", UTC(), nullable=True),
        sa.Column("last_success_at", UTC(), nullable=True),
        sa.Column("last_outcome", sa.String(16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("pages", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("events_seen", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("events_new", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("dead_letters", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("created_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_poll_cursors"),
        sa.UniqueConstraint("region", "domain", name="uq_poll_cursors_region_domain"),
    )


def downgrade() -> None:
    op.drop_table("poll_cursors")
