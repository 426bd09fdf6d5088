"""The status moves of an inbox row and of a sync action: one table each, and the code that moves a status
asks it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.core.models.inbox_vocab import INBOX_MOVES, REPLAYABLE, InboxStatus
from app.core.models.moves import ForbiddenMove, Moves
from app.core.models.sync_vocab import ACTION_MOVES, RETRYABLE, SyncActionStatus
from workers.sync import settle
from workers.sync.calls import OutboxRow

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ALLOWED_INBOX = {("pending", "done"), ("pending", "dead"), ("done", "dead"), ("dead", "pending")}
ALLOWED_ACTION = {("pending", "done"), ("pending", "failed"), ("pending", "dead"), ("failed", "pending"),
                  ("dead", "pending")}  # fmt: skip


@pytest.mark.parametrize(
    ("moves", "statuses", "allowed"),
    [(INBOX_MOVES, InboxStatus, ALLOWED_INBOX), (ACTION_MOVES, SyncActionStatus, ALLOWED_ACTION)],
    ids=["inbox", "sync_action"],
)
def test_the_table_allows_exactly_these_moves(moves: Moves[Any], statuses: Any, allowed: set[Any]) -> None:
    every = {(old.value, new.value) for old in statuses for new in statuses if moves.can_move(old, new)}
    assert every == allowed


def test_a_forbidden_move_is_refused() -> None:
    assert INBOX_MOVES.require(InboxStatus.DEAD, InboxStatus.PENDING) == InboxStatus.PENDING
    with pytest.raises(ForbiddenMove, match="done may not move to pending"):
        INBOX_MOVES.require(InboxStatus.DONE, InboxStatus.PENDING)
    with pytest.raises(ForbiddenMove, match="done may not move to failed"):
        ACTION_MOVES.require(SyncActionStatus.DONE, SyncActionStatus.FAILED)
    assert not ACTION_MOVES.can_move("pending", "pending")  # a reschedule keeps its status: no move


def test_replay_and_retry_start_from_what_the_table_lets_back_to_pending() -> None:
    assert REPLAYABLE == (InboxStatus.DEAD,)
    assert RETRYABLE == (SyncActionStatus.FAILED, SyncActionStatus.DEAD)


def test_settling_refuses_a_status_the_table_does_not_allow_from_pending() -> None:
    """The push settles claimed (pending) rows: a move the table forbids stops before any statement runs."""
    row = OutboxRow(1, "bounce", "mg.example.com", None, "a@example.com", {}, 0)
    with pytest.raises(ForbiddenMove):
        settle._finish(None, [row], SyncActionStatus.PENDING, None, NOW)  # type: ignore[arg-type]
