"""Settling outbox rows after a Mailgun answer, each call in its own short transaction.

done: the row is finished, the local suppression shows it synced (or removed), a list member shows
unsubscribed. failed: Mailgun refused the data itself (a 4xx): kept with the answer, retried only by hand.
retry: attempts counted, next try doubled out to `MAILHOOK_SYNC_RETRY_SECONDS * 2^n` (at most an hour), and
`dead` once `MAILHOOK_SYNC_MAX_ATTEMPTS` is reached. paused: due again when the region's pause ends, with no
attempt counted (a 429 says nothing about the row).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, update

from app.core.models.sync_vocab import (
    ACTION_MOVES,
    ADD_KINDS,
    DELETE_KINDS,
    SuppressionState,
    SyncActionStatus,
)
from app.core.settings import Settings
from workers.sync.calls import LIST_KIND, Call, OutboxRow, Outcome, retry_delay
from workers.sync.store import chunks, mark_unsubscribed, set_suppression_state, sync_actions

RETRY_CAP_SECONDS = 3600.0

actions = sync_actions


def settle(
    engine: Engine, settings: Settings, region: str, call: Call, outcome: Outcome, now: datetime
) -> None:
    with engine.begin() as connection:
        if outcome.status == "done":
            _finish(connection, call.rows, SyncActionStatus.DONE, outcome.error, now)
            _mirror_done(connection, region, call, now)
        elif outcome.status == "failed":
            _finish(connection, call.rows, SyncActionStatus.FAILED, outcome.error, now)
            _suppression_state(connection, region, call, SuppressionState.FAILED, now)
        elif outcome.status == "retry":
            _retry(connection, settings, region, call, outcome.error, now)
        else:
            _set(
                connection,
                call.rows,
                next_attempt_at=outcome.until or now,
                last_error=outcome.error,
                updated_at=now,
            )


def release(engine: Engine, rows: Sequence[OutboxRow], at: datetime) -> None:
    """Rows claimed but not sent: due again at `at`, nothing counted."""
    if rows:
        with engine.begin() as connection:
            _set(connection, rows, next_attempt_at=at)


def _finish(
    connection: Connection,
    rows: Sequence[OutboxRow],
    status: SyncActionStatus,
    error: str | None,
    now: datetime,
) -> None:
    # The rows were claimed pending: the table says where they may go from there.
    status = ACTION_MOVES.require(SyncActionStatus.PENDING, status)
    _set(connection, rows, status=status, attempts=actions.c.attempts + 1, last_error=error, updated_at=now)


def _retry(
    connection: Connection, settings: Settings, region: str, call: Call, error: str | None, now: datetime
) -> None:
    by_attempts: dict[int, list[OutboxRow]] = defaultdict(list)
    for row in call.rows:
        by_attempts[row.attempts + 1].append(row)
    for attempts, rows in by_attempts.items():
        if attempts >= settings.sync.max_attempts:
            dead = ACTION_MOVES.require(SyncActionStatus.PENDING, SyncActionStatus.DEAD)
            _set(connection, rows, status=dead, attempts=attempts, last_error=error, updated_at=now)
            failed = SuppressionState.FAILED
            _suppression_state(connection, region, Call(call.kind, call.target, tuple(rows)), failed, now)
            continue
        delay = retry_delay(attempts, settings.sync.retry_seconds, RETRY_CAP_SECONDS)
        due = now + timedelta(seconds=delay)
        _set(connection, rows, attempts=attempts, next_attempt_at=due, last_error=error, updated_at=now)


def _mirror_done(connection: Connection, region: str, call: Call, now: datetime) -> None:
    if call.kind in ADD_KINDS:
        _suppression_state(connection, region, call, SuppressionState.SYNCED, now)
    elif call.kind in DELETE_KINDS:
        _suppression_state(connection, region, call, SuppressionState.REMOVED, now)
    elif call.kind == LIST_KIND:
        for address in call.addresses:
            mark_unsubscribed(connection, region, call.target.lower(), address)


def _suppression_state(
    connection: Connection, region: str, call: Call, state: SuppressionState, now: datetime
) -> None:
    kind = call.kind.removesuffix("_delete")
    if kind in ADD_KINDS:
        set_suppression_state(connection, region, call.target, kind, call.addresses, state, now)


def _set(connection: Connection, rows: Sequence[OutboxRow], **values: object) -> None:
    for ids in chunks([row.id for row in rows]):
        connection.execute(update(actions).where(actions.c.id.in_(ids)).values(**values))
