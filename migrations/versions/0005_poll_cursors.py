"""poll_cursors for the Events API poller

Revision ID: 0005_poll_cursors
Revises: 0004_sync
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0005_poll_cursors"
down_revision: str | None = "0004_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
