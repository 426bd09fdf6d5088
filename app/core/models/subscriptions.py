"""`push_subscriptions`: services that want the feed's events pushed to them, and how far each has got.

A subscription follows the feed of the database it is kept in (with the EU region in a database of its own,
an EU subscription is kept, and follows the feed, there). `cursor_*` is the feed position delivered through:
every event up to it has had a 2xx. While a batch is out, `batch_end_*` holds where it ends, so every retry
sends exactly the same items under the same webhook-id, whatever has been stored since.

The signing secret is stored as it was handed out (the pusher needs its bytes to sign): only the pusher
reads the column; no API answer after the creation, no log line and no metric carries it.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models.base import Base, big_pk, json_or_none, text, text_or_none, utc_now, utc_time_or_none

ACTIVE = "active"
PAUSED = "paused"
STATUSES = (ACTIVE, PAUSED)


class PushSubscription(Base):
    __tablename__ = "push_subscriptions"

    id: Mapped[big_pk]
    url: Mapped[text]
    # Event types pushed (app/core/models/events_vocab.py EventType); null: every type.
    types: Mapped[json_or_none]
    # The region whose events are pushed; null: every region this database keeps.
    region: Mapped[str | None] = mapped_column(String(8), nullable=True)
    signing_secret: Mapped[text]
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default=ACTIVE)
    cursor_xact: Mapped[int] = mapped_column(BigInteger(), nullable=False)
    cursor_id: Mapped[int] = mapped_column(BigInteger(), nullable=False)
    batch_end_xact: Mapped[int | None] = mapped_column(BigInteger(), nullable=True)
    batch_end_id: Mapped[int | None] = mapped_column(BigInteger(), nullable=True)
    # Failed tries of the batch out now; since when this subscription has failed without a 2xx between.
    attempts: Mapped[int] = mapped_column(Integer(), nullable=False, server_default="0")
    failing_since: Mapped[utc_time_or_none]
    last_error: Mapped[text_or_none]
    next_attempt_at: Mapped[utc_now]
    # Held by the one task pushing to this subscription now (workers/push/store.py).
    lease_until: Mapped[utc_time_or_none]
    holder: Mapped[text_or_none]
    delivered_at: Mapped[utc_time_or_none]
    created_at: Mapped[utc_now]
    updated_at: Mapped[utc_now]

    __table_args__ = (Index("ix_push_subscriptions_status_next_attempt_at", "status", "next_attempt_at"),)

    def __repr__(self) -> str:  # The secret never reaches a log line through a repr.
        return f"PushSubscription(id={self.id!r}, status={self.status!r})"
