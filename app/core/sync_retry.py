"""An operator's retry of a sync action: a failed or dead row back to pending with its attempts reset, due
now; the region's next push_sync run sends it. Used by POST /api/v1/sync-actions/{id}/retry and the
dashboard's sync page, so both retry the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, Table, select, update

from app.core.models.sync import Suppression, SyncAction
from app.core.models.sync_vocab import ADD_KINDS, RETRYABLE, SuppressionState, SyncActionStatus

actions: Table = SyncAction.__table__  # type: ignore[assignment]
suppressions: Table = Suppression.__table__  # type: ignore[assignment]
COLUMNS = [column for column in actions.c if column.name != "idempotency_key"]


@dataclass(frozen=True, slots=True)
class Retried:
    row: RowMapping | None  # None: no such action
    flipped: bool  # False: it was neither failed nor dead


def retry_action(
    connection: Connection, row_id: int, now: datetime, *, only: list[ColumnElement[bool]] | None = None
) -> Retried:
    this_action: list[Any] = [actions.c.id == row_id, *(only or [])]
    # The status check is in the UPDATE itself, so two concurrent retries flip the row once.
    flip = (
        update(actions)
        .where(*this_action, actions.c.status.in_(RETRYABLE))
        .values(status=SyncActionStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now)
    )
    flipped = bool(connection.execute(flip).rowcount)
    row = connection.execute(select(*COLUMNS).where(*this_action)).mappings().first()
    if row is not None and flipped and row["kind"] in ADD_KINDS:
        connection.execute(
            update(suppressions)
            .where(
                suppressions.c.region == row["region"],
                suppressions.c.domain == row["domain"],
                suppressions.c.address == row["address"],
                suppressions.c.kind == row["kind"],
            )
            .values(state=SuppressionState.PENDING, updated_at=now)
        )
    return Retried(row, flipped)
