"""feed positions: events.feed_xact (the storing transaction on Postgres) and feed_horizon

Revision ID: 0010_feed_positions
Revises: 0007_dashboard_sessions
Create Date: 2026-12-02

Rows stored before this migration all get feed_xact 0: they come first in the feed, in id order, and every
row stored afterwards carries a real transaction id (always above 0). Nothing can be stored meanwhile: adding
the column locks the table. On SQLite the table is rebuilt with AUTOINCREMENT, so that an id, which is the
position there, is never handed out twice. The index is built under the table's lock: on a large table
expect writes to wait for it (statement timeout 10 min, migrations/env.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_feed_positions"
down_revision: str | None = "0009_token_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# app/core/models/feed.py: POSTGRES_XACT, written out so that this migration never changes with the models.
POSTGRES_XACT = "(pg_current_xact_id()::text::bigint)"


def upgrade() -> None:
    backfilled = sa.Column("feed_xact", sa.BigInteger(), nullable=False, server_default="0")
    if op.get_bind().dialect.name == "postgresql":
        # A constant default fills the existing rows without rewriting the table; then the real one.
        op.add_column("events", backfilled)
        op.alter_column("events", "feed_xact", server_default=sa.text(POSTGRES_XACT))
    else:
        with op.batch_alter_table(
            "events", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ) as batch:
            batch.add_column(backfilled)
    op.create_index("ix_events_feed_xact_id", "events", ["feed_xact", "id"])
    op.create_table(
        "feed_horizon",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("feed_xact", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feed_horizon"),
    )


def downgrade() -> None:
    op.drop_table("feed_horizon")
    op.drop_index("ix_events_feed_xact_id", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("feed_xact")
