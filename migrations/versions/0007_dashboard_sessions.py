"""dashboard_sessions: server-side dashboard sessions that sign-out and token rotation end

Revision ID: 0007_dashboard_sessions
Revises: 0006_task_leases
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.models.base import UTCDateTime as UTC

revision: str = "0007_dashboard_sessions"
down_revision: str | None = "0006_task_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboard_sessions",
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("token_binding", sa.String(64), nullable=False),
        sa.Column("created_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("secret_sha256", name="pk_dashboard_sessions"),
    )
    op.create_index("ix_dashboard_sessions_expires_at", "dashboard_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_dashboard_sessions_expires_at", table_name="dashboard_sessions")
    op.drop_table("dashboard_sessions")
