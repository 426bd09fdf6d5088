"""The vocabulary of the `inbox` table (app/core/models/inbox.py) and the status moves of its rows. Pure."""

from __future__ import annotations

from enum import StrEnum

from app.core.models.moves import Moves


class InboxKind(StrEnum):
    """What arrived, decided at intake from the route and the body's shape."""

    WEBHOOK = "webhook"
    LEGACY_WEBHOOK = "legacy_webhook"
    INBOUND = "inbound"
    INBOUND_MIME = "inbound_mime"
    STORE_NOTIFY = "store_notify"
    # Events API items the poller could not normalize, kept as dead letters for an operator to replay.
    EVENTS_API = "events_api"
    LOGS_API = "logs_api"


class InboxStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"


# Every move an inbox row may make. A claim marks a row done in the claiming statement and, in the same
# transaction, dead when it cannot be processed (hence done -> dead); an operator's replay puts a dead row
# back to pending. A done row is never processed again.
INBOX_MOVES = Moves(
    {
        InboxStatus.PENDING: (InboxStatus.DONE, InboxStatus.DEAD),
        InboxStatus.DONE: (InboxStatus.DEAD,),
        InboxStatus.DEAD: (InboxStatus.PENDING,),
    }
)
# What a replay puts back to pending: every status the table lets back (dead only).
REPLAYABLE = INBOX_MOVES.sources(InboxStatus.PENDING)
