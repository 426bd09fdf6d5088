"""Sync back to Mailgun: the `sync_actions` outbox, the local view of suppressions, the mailing-list mirror
and the per-region pause a 429 leaves behind. Every row carries its region and only ever goes to that region.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models.base import (
    Base,
    big_pk,
    json_doc,
    text,
    text_or_none,
    utc_now,
    utc_time,
    utc_time_or_none,
)
from app.core.models.sync_vocab import SyncActionStatus

# The values of the kinds, statuses and states below, and the moves of an action's status:
# app/core/models/sync_vocab.py.

_PENDING = sql_text(f"status = '{SyncActionStatus.PENDING}'")


class SyncAction(Base):
    __tablename__ = "sync_actions"

    id: Mapped[big_pk]
    # A digest of (region, kind, target, address, source event): a replayed or re-polled event adds nothing.
    idempotency_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    region: Mapped[str] = mapped_column(String(8), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    domain: Mapped[text_or_none]  # the sending domain of a suppression action
    list_address: Mapped[text_or_none]  # the list of a list_unsubscribe action
    address: Mapped[text]
    payload: Mapped[json_doc]  # the Mailgun record fields besides the address
    status: Mapped[str] = mapped_column(
        String(10), nullable=False, server_default=SyncActionStatus.PENDING.value
    )
    attempts: Mapped[int] = mapped_column(Integer(), nullable=False, server_default="0")
    next_attempt_at: Mapped[utc_now]
    last_error: Mapped[text_or_none]
    # No foreign key: retention purges events on its own schedule.
    event_id: Mapped[int | None] = mapped_column(BigInteger(), nullable=True)
    created_at: Mapped[utc_now]
    updated_at: Mapped[utc_now]

    __table_args__ = (
        # push_sync claims a region's due rows oldest first; only pending rows are ever due.
        Index(
            "ix_sync_actions_due",
            "region",
            "next_attempt_at",
            "id",
            postgresql_where=_PENDING,
            sqlite_where=_PENDING,
        ),
        Index("ix_sync_actions_status_id", "status", "id"),
        # The console's recipient page lists the actions that concern one address.
        Index("ix_sync_actions_address_id", "address", "id"),
    )


def new_action_row(
    *,
    idempotency_key: str,
    region: str,
    kind: str,
    domain: str | None,
    list_address: str | None,
    address: str,
    payload: dict[str, Any],
    event_id: int | None,
    now: datetime,
) -> dict[str, Any]:
    """A `sync_actions` row as it enters the outbox: pending, due now, never tried."""
    return {
        "idempotency_key": idempotency_key,
        "region": region,
        "kind": kind,
        "domain": domain,
        "list_address": list_address,
        "address": address,
        "payload": payload,
        "status": SyncActionStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "event_id": event_id,
        "created_at": now,
        "updated_at": now,
    }


class Suppression(Base):
    __tablename__ = "suppressions"

    id: Mapped[big_pk]
    region: Mapped[str] = mapped_column(String(8), nullable=False)
    domain: Mapped[text]
    address: Mapped[text]
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False)
    source_event_id: Mapped[int | None] = mapped_column(BigInteger(), nullable=True)
    synced_at: Mapped[utc_time_or_none]
    created_at: Mapped[utc_now]
    updated_at: Mapped[utc_now]

    __table_args__ = (
        UniqueConstraint("region", "domain", "address", "kind"),
        Index("ix_suppressions_address", "address"),
    )


class MailingList(Base):
    """The lists of a region as its API last listed them."""

    __tablename__ = "mailing_lists"

    id: Mapped[big_pk]
    region: Mapped[str] = mapped_column(String(8), nullable=False)
    address: Mapped[text]
    name: Mapped[text_or_none]
    members_count: Mapped[int | None] = mapped_column(Integer(), nullable=True)
    refreshed_at: Mapped[utc_time]

    __table_args__ = (UniqueConstraint("region", "address"),)


class ListMember(Base):
    __tablename__ = "list_members"

    id: Mapped[big_pk]
    region: Mapped[str] = mapped_column(String(8), nullable=False)
    list_address: Mapped[text]
    address: Mapped[text]  # lower-cased, as event recipients are
    subscribed: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    refreshed_at: Mapped[utc_time]

    __table_args__ = (
        UniqueConstraint("region", "list_address", "address"),
        # The drain asks "which lists of region R have this address?" for every bounce and complaint.
        Index("ix_list_members_region_address", "region", "address"),
    )


class SyncPause(Base):
    """A region Mailgun told to wait (429): no push for it before `paused_until`, on any worker."""

    __tablename__ = "sync_pauses"

    region: Mapped[str] = mapped_column(String(8), primary_key=True)
    paused_until: Mapped[utc_time]
    reason: Mapped[text_or_none]
    updated_at: Mapped[utc_now]
