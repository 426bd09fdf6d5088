"""sync_actions outbox, suppressions and the mailing-list mirror

Revision ID: 0004_sync
Revises: 0003_inbound
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0004_sync"
down_revision: str | None = "0003_inbound"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
