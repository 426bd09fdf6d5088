"""inbox: each attempt counted at its claim, which holds the row until `claimed_until`

Revision ID: 0008_inbox_attempts
Revises: 0007_dashboard_sessions
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.models.base import UTCDateTime as UTC

revision: str = "0008_inbox_attempts"
down_revision: str | None = "0007_dashboard_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: adding it rewrites nothing on Postgres, whatever the table's size.
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("claimed_until", UTC(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("claimed_until")
