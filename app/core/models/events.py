"""`events`: one normalized event per Mailgun event, however many times Mailgun told us about it."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models.base import Base, big_pk, json_doc, json_or_none, text, text_or_none, utc_now, utc_time
from app.core.models.feed import feed_xact

# The values of `type` and `source`: app/core/models/events_vocab.py (EventType, EventSource).


class Event(Base):
    __tablename__ = "events"

    id: Mapped[big_pk]
    # Mailgun's event id is unique within a day only: the event time completes the key, and the event name
    # keeps apart the distinct events that share both (seen in Mailgun's own dashboard test payloads). The
    # time is to the millisecond (the Logs API's precision; webhooks say microseconds), so the same event
    # from either source is one row.
    mailgun_event_id: Mapped[text]
    occurred_at: Mapped[utc_time]
    received_at: Mapped[utc_now]
    event: Mapped[str] = mapped_column(String(64), nullable=False)
    severity: Mapped[str | None] = mapped_column(String(32), nullable=True)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    region: Mapped[str] = mapped_column(String(8), nullable=False)
    domain: Mapped[text_or_none]
    recipient: Mapped[text_or_none]
    message_id: Mapped[text_or_none]
    tags: Mapped[json_doc]
    user_variables: Mapped[json_doc]
    reason: Mapped[text_or_none]
    delivery_status: Mapped[json_or_none]
    url: Mapped[text_or_none]
    ip: Mapped[text_or_none]
    client_info: Mapped[json_or_none]
    geolocation: Mapped[json_or_none]
    mailing_list: Mapped[json_or_none]
    storage_url: Mapped[text_or_none]
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    payload: Mapped[json_doc]
    # No foreign key: retention purges the inbox and the events on their own schedules.
    inbox_id: Mapped[int | None] = mapped_column(BigInteger(), nullable=True)
    # The feed's position is (feed_xact, id): app/core/models/feed.py.
    feed_xact: Mapped[feed_xact]

    # On Postgres the table is range-partitioned on occurred_at, and its primary key is (id, occurred_at):
    # migrations/versions/0015_partitioned_events.py, app/core/partitions.py. The key below holds the
    # partition key, so one event always meets its duplicate in the same partition.
    __table_args__ = (
        UniqueConstraint("mailgun_event_id", "occurred_at", "event"),
        # Keyset pagination walks (occurred_at, id) newest first, optionally within one filter.
        Index("ix_events_occurred_at_id", "occurred_at", "id"),
        Index("ix_events_recipient_occurred_at", "recipient", "occurred_at", "id"),
        Index("ix_events_message_id_occurred_at", "message_id", "occurred_at", "id"),
        Index("ix_events_domain_occurred_at", "domain", "occurred_at", "id"),
        # Domain health counts one domain's events of one type since a time from the index alone.
        Index("ix_events_domain_region_type_occurred_at", "domain", "region", "type", "occurred_at"),
        # The tag filter on Postgres (`tags @> '["x"]'`); on SQLite a plain index nobody uses.
        Index("ix_events_tags", "tags", postgresql_using="gin", postgresql_ops={"tags": "jsonb_path_ops"}),
        Index("ix_events_feed_xact_id", "feed_xact", "id"),
        # Never reuse an id, not even the greatest after its row is gone: on SQLite it is the feed position.
        {"sqlite_autoincrement": True},
    )
