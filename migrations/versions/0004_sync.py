"""sync_actions outbox, suppressions and the mailing-list mirror

Revision ID: 0004_sync
Revises: 0003_inbound
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.models.base import BigId, JsonDoc
from app.core.models.base import UTCDateTime as UTC

revision: str = "0004_sync"
down_revision: str | None = "0003_inbound"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("sync_actions", "suppressions", "mailing_lists", "list_members", "sync_pauses")


def upgrade() -> None:
    _sync_actions()
    _suppressions()
    _list_mirror()
    op.create_table(
        "sync_pauses",
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("paused_until", UTC(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("region", name="pk_sync_pauses"),
    )


def _sync_actions() -> None:
    op.create_table(
        "sync_actions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("list_address", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("payload", JsonDoc, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_sync_actions"),
        sa.UniqueConstraint("idempotency_key", name="uq_sync_actions_idempotency_key"),
    )
    pending = sa.text("status = 'pending'")
    op.create_index(
        "ix_sync_actions_due",
        "sync_actions",
        ["region", "next_attempt_at", "id"],
        postgresql_where=pending,
        sqlite_where=pending,
    )
    op.create_index("ix_sync_actions_status_id", "sync_actions", ["status", "id"])


def _suppressions() -> None:
    op.create_table(
        "suppressions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("domain", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("source_event_id", sa.BigInteger(), nullable=True),
        sa.Column("synced_at", UTC(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", UTC(), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_suppressions"),
        sa.UniqueConstraint(
            "region", "domain", "address", "kind", name="uq_suppressions_region_domain_address_kind"
        ),
    )
    op.create_index("ix_suppressions_address", "suppressions", ["address"])


def _list_mirror() -> None:
    op.create_table(
        "mailing_lists",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("members_count", sa.Integer(), nullable=True),
        sa.Column("refreshed_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mailing_lists"),
        sa.UniqueConstraint("region", "address", name="uq_mailing_lists_region_address"),
    )
    op.create_table(
        "list_members",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("list_address", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("refreshed_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_list_members"),
        sa.UniqueConstraint(
            "region", "list_address", "address", name="uq_list_members_region_list_address_address"
        ),
    )
    op.create_index("ix_list_members_region_address", "list_members", ["region", "address"])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
