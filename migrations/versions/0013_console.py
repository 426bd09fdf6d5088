"""console: indexes for the operator's console: domain health, and one address's sync actions

The dashboard's domain health page and the `mailhook_domain_*` gauges count delivered, bounced and complained
events per (domain, region) over the last 24 hours and 7 days; with (domain, region, type, occurred_at) each
count is one index range, read without the table on Postgres. The recipient page lists the sync actions of
one address by (address, id).

Revision ID: 0013_console
Revises: 0012_push_subscriptions
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_console"
down_revision: str | None = "0012_push_subscriptions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HEALTH = "ix_events_domain_region_type_occurred_at"
ACTIONS = "ix_sync_actions_address_id"


def upgrade() -> None:
    op.create_index(HEALTH, "events", ["domain", "region", "type", "occurred_at"])
    op.create_index(ACTIONS, "sync_actions", ["address", "id"])


def downgrade() -> None:
    op.drop_index(ACTIONS, table_name="sync_actions")
    op.drop_index(HEALTH, table_name="events")
