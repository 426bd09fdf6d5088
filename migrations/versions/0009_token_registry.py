"""token_registry: every signature token taken across split databases, kept in the primary one

Revision ID: 0009_token_registry
Revises: 0007_dashboard_sessions
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.models.base import UTCDateTime as UTC

revision: str = "0009_token_registry"
down_revision: str | None = "0008_inbox_attempts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Created in every database, like every table; only the primary database's is written.
    op.create_table(
        "signature_tokens",
        sa.Column("token", sa.String(255), nullable=False),
        sa.Column("store", sa.String(16), nullable=False),
        sa.Column("taken_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("token", name="pk_signature_tokens"),
    )
    op.create_index("ix_signature_tokens_taken_at", "signature_tokens", ["taken_at"])


def downgrade() -> None:
    op.drop_index("ix_signature_tokens_taken_at", table_name="signature_tokens")
    op.drop_table("signature_tokens")
