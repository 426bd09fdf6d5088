"""`poll_cursors`: how far the Events API poller has read each domain's log, in its region.

The position is a time, not a paging link: every event up to `trusted_until` is stored, and the next poll
asks for events from that second on. A time survives restarts, expired page tokens and changes of page size;
the events read twice at the boundary are absorbed by the events' unique key.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models.base import Base, big_pk, text, text_or_none, utc_now, utc_time_or_none

OUTCOMES = ("caught_up", "waiting", "partial", "failed")


class PollCursor(Base):
    __tablename__ = "poll_cursors"

    id: Mapped[big_pk]
    region: Mapped[str] = mapped_column(String(8), nullable=False)
    domain: Mapped[text]
    # Null until a first page is stored: the poll then starts MAILHOOK_POLL_LOOKBACK_HOURS back.
    trusted_until: Mapped[utc_time_or_none]
    # Held by the run polling this domain, so overlapping beat runs never read the same pages twice.
    lease_until: Mapped[utc_time_or_none]
    last_run_at: Mapped[utc_time_or_none]
    last_success_at: Mapped[utc_time_or_none]
    last_outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    last_error: Mapped[text_or_none]
    pages: Mapped[int] = mapped_column(BigInteger(), nullable=False, server_default="0")
    events_seen: Mapped[int] = mapped_column(BigInteger(), nullable=False, server_default="0")
    events_new: Mapped[int] = mapped_column(BigInteger(), nullable=False, server_default="0")
    dead_letters: Mapped[int] = mapped_column(BigInteger(), nullable=False, server_default="0")
    created_at: Mapped[utc_now]
    updated_at: Mapped[utc_now]

    __table_args__ = (UniqueConstraint("region", "domain"),)
