"""Forward deliveries found in the wrong region's database to the right one (app/core/stores.py).

A webhook URL without `?region=` lands in the primary database; when normalizing shows its domain to be in a
region with a database of its own, the raw row moves there before anything is derived from it. The copy is
committed first and the original deleted in the caller's batch transaction: a crash between the two leaves
the original pending, the next drain forwards it again and the target's unique token absorbs the repeat.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, Engine, delete, select

from app.core.db import insert_ignoring_conflicts
from app.core.models.inbox import InboxRow

inbox = InboxRow.__table__
# What travels: the delivery as received. Status, attempts, claim and errors start afresh in the target.
CARRIED = [
    column
    for column in inbox.c
    if column.name not in ("id", "status", "attempts", "error", "processed_at", "claimed_until")
]


def forward_rows(connection: Connection, targets: Mapping[int, Engine]) -> int:
    """Move the inbox rows `targets` names (row id -> target engine); deleted here once copied there."""
    by_engine: dict[Engine, list[int]] = {}
    for row_id, engine in targets.items():
        by_engine.setdefault(engine, []).append(row_id)
    for engine, ids in by_engine.items():
        rows = connection.execute(select(*CARRIED).where(inbox.c.id.in_(ids))).mappings().all()
        _copy(engine, [dict(row) for row in rows])
        connection.execute(delete(InboxRow).where(InboxRow.id.in_(ids)))
    return len(targets)


def _copy(engine: Engine, rows: list[dict[str, object]]) -> None:
    if rows:
        with engine.begin() as target:
            target.execute(insert_ignoring_conflicts(inbox, engine).values(rows))
