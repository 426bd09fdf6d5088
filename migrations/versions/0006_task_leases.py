"""task_leases: one run at a time of each beat-scheduled task

Revision ID: 0006_task_leases
Revises: 0005_poll_cursors
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.models.base import UTCDateTime as UTC

revision: str = "0006_task_leases"
down_revision: str | None = "0005_poll_cursors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_leases",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.Text(), nullable=True),
        sa.Column("lease_until", UTC(), nullable=True),
        sa.Column("updated_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("name", name="pk_task_leases"),
    )


def downgrade() -> None:
    op.drop_table("task_leases")
