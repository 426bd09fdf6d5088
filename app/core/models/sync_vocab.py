"""The vocabulary of the sync tables (app/core/models/sync.py) and the status moves of an outbox row. Pure."""

from __future__ import annotations

from enum import StrEnum

from app.core.models.moves import Moves


class SuppressionKind(StrEnum):
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    UNSUBSCRIBE = "unsubscribe"


class SyncActionKind(StrEnum):
    """One call back to Mailgun. A suppression kind adds that suppression; `*_delete` removes one (404 counts
    as done); `list_unsubscribe` sets subscribed=no on one list member."""

    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    UNSUBSCRIBE = "unsubscribe"
    LIST_UNSUBSCRIBE = "list_unsubscribe"
    BOUNCE_DELETE = "bounce_delete"
    COMPLAINT_DELETE = "complaint_delete"
    UNSUBSCRIBE_DELETE = "unsubscribe_delete"

    @property
    def suppression(self) -> SuppressionKind | None:
        """The suppression this action adds or removes, if it is about one."""
        try:
            return SuppressionKind(self.value.removesuffix("_delete"))
        except ValueError:
            return None


ADD_KINDS = tuple(SyncActionKind(kind) for kind in SuppressionKind)
DELETE_KINDS = tuple(SyncActionKind(f"{kind}_delete") for kind in SuppressionKind)


class SyncActionStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"  # Mailgun refused the data itself: kept with the answer, retried only by hand
    DEAD = "dead"  # out of attempts


# Every move an outbox row may make: a push settles a pending row; an operator's retry puts a failed or dead
# one back to pending. A retry that is only rescheduled keeps its status and is no move.
ACTION_MOVES = Moves(
    {
        SyncActionStatus.PENDING: (SyncActionStatus.DONE, SyncActionStatus.FAILED, SyncActionStatus.DEAD),
        SyncActionStatus.DONE: (),
        SyncActionStatus.FAILED: (SyncActionStatus.PENDING,),
        SyncActionStatus.DEAD: (SyncActionStatus.PENDING,),
    }
)
# What an operator's retry puts back to pending: every status the table lets back (failed, dead).
RETRYABLE = ACTION_MOVES.sources(SyncActionStatus.PENDING)


class SuppressionState(StrEnum):
    """observed: Mailgun reported it on that domain itself; pending/synced/failed: our copy to that domain;
    removed: an operator took it back."""

    OBSERVED = "observed"
    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"
    REMOVED = "removed"
