"""event_time_milliseconds: events' times cut to the millisecond, so one event has one key whatever its source

Webhooks and the Events API give an event's time to the microsecond, the Logs API to the millisecond; the
unique key (mailgun_event_id, occurred_at, event) now holds times to the millisecond. Stored rows are cut the
same way. Rows that then share a key are one event told twice: the first stored (lowest id) is kept, and a
suppression or sync action that named a dropped row names the kept one. No downgrade can restore the
microseconds; it leaves the rows as they are.

Revision ID: 0011_event_time_milliseconds
Revises: 0010_feed_positions
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_event_time_milliseconds"
down_revision: str | None = "0010_feed_positions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLAlchemy writes SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' (26 characters).
_CUT = {
    "postgresql": "date_trunc('milliseconds', {column})",
    "sqlite": "CASE WHEN length({column}) = 26 THEN substr({column}, 1, 23) || '000' ELSE {column} END",
}


def upgrade() -> None:
    # Every name and expression below is fixed here: nothing from outside reaches the SQL (hence the noqa).
    cut = _CUT[op.get_bind().dialect.name].format(column="occurred_at")
    op.execute("CREATE TEMPORARY TABLE event_time_duplicates (id BIGINT PRIMARY KEY, keep BIGINT NOT NULL)")
    # Only ids that occur more than once can collide: the window runs over those rows, not the whole table.
    op.execute(f"""
        INSERT INTO event_time_duplicates (id, keep)
        SELECT id, keep FROM (
            SELECT id, min(id) OVER (PARTITION BY mailgun_event_id, event, {cut}) AS keep
            FROM events
            WHERE mailgun_event_id IN (
                SELECT mailgun_event_id FROM events GROUP BY mailgun_event_id HAVING count(*) > 1
            )
        ) AS grouped
        WHERE id <> keep
    """)  # noqa: S608
    for table, column in (("sync_actions", "event_id"), ("suppressions", "source_event_id")):
        op.execute(f"""
            UPDATE {table} SET {column} = (
                SELECT keep FROM event_time_duplicates WHERE event_time_duplicates.id = {table}.{column}
            )
            WHERE {column} IN (SELECT id FROM event_time_duplicates)
        """)  # noqa: S608
    op.execute("DELETE FROM events WHERE id IN (SELECT id FROM event_time_duplicates)")
    op.execute(f"UPDATE events SET occurred_at = {cut} WHERE occurred_at <> {cut}")  # noqa: S608
    op.execute("DROP TABLE event_time_duplicates")


def downgrade() -> None:
    pass  # the cut microseconds are gone; millisecond times satisfy the older key as well
