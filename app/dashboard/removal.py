"""An operator takes a suppression back on one domain: a `*_delete` sync action in the outbox, like the ones
the policy plans, pushed to Mailgun by the region's next push_sync run (workers/sync/push.py); once Mailgun
has answered, the local suppression reads `removed` (workers/sync/settle.py). The web never calls Mailgun.

The action's idempotency key is made of the suppression and the moment it last changed, so a second click
(or a reload that posts again) adds nothing, while a suppression that comes back later can be removed again.
Each queued removal is logged with the operator's name (app/dashboard/access.py), never the token.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, Table, select

from app.core.db import insert_ignoring_conflicts
from app.core.models.sync import Suppression, SyncAction, new_action_row
from app.core.models.sync_vocab import SuppressionKind, SuppressionState, SyncActionKind

log = logging.getLogger(__name__)
suppressions: Table = Suppression.__table__  # type: ignore[assignment]
actions: Table = SyncAction.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Removal:
    region: str
    domain: str
    address: str
    kind: SuppressionKind


@dataclass(frozen=True, slots=True)
class Queued:
    action_id: int | None  # None: no such suppression, or it is removed already
    added: bool  # False: this removal was queued before


def queue_removal(engine: Engine, removal: Removal, operator: str) -> Queued:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        held = connection.execute(
            select(suppressions.c.id, suppressions.c.state, suppressions.c.updated_at).where(
                suppressions.c.region == removal.region,
                suppressions.c.domain == removal.domain,
                suppressions.c.address == removal.address,
                suppressions.c.kind == removal.kind,
            )
        ).first()
        if held is None or held.state == SuppressionState.REMOVED:
            return Queued(None, False)
        key = _key(removal, held.id, held.updated_at)
        added = connection.execute(
            insert_ignoring_conflicts(actions, engine)
            .values(
                new_action_row(
                    idempotency_key=key,
                    region=removal.region,
                    kind=SyncActionKind(f"{removal.kind}_delete"),
                    domain=removal.domain,
                    list_address=None,
                    address=removal.address,
                    payload={},  # a removal sends the address only; who asked is in the log
                    event_id=None,
                    now=now,
                )
            )
            .returning(actions.c.id)
        ).first()
        action_id = connection.execute(select(actions.c.id).where(actions.c.idempotency_key == key)).scalar()
    if added:
        log.info(
            "dashboard: %s queued the removal of the %s suppression of %s on %s (%s): sync action %s",
            operator,
            removal.kind,
            removal.address,
            removal.domain,
            removal.region,
            action_id,
            extra={"operator": operator, "sync_action_id": action_id, "audit": "suppression_removal"},
        )
    return Queued(action_id, added is not None)


def _key(removal: Removal, suppression_id: int, changed: datetime) -> str:
    parts = (
        "operator",
        removal.region,
        f"{removal.kind}_delete",
        removal.domain,
        removal.address,
        str(suppression_id),
        changed.astimezone(UTC).isoformat(),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
