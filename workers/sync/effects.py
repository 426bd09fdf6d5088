"""The effects of freshly stored events: `sync_actions` outbox rows and the local suppression view, written in
the drain's own transaction, so an event and the actions it causes are committed together or not at all.

Only events inserted by this transaction come here (workers/events/record.py hands over what the insert
returned); a replayed or re-polled event is not inserted again, and even if it were, the idempotency keys
would make its actions no-ops.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from app.core.db import insert_ignoring_conflicts
from app.core.models.sync import SyncAction, new_action_row
from app.core.models.sync_vocab import ADD_KINDS, SuppressionState
from app.core.settings import Settings
from workers.sync.policy import (
    EventFacts,
    PlannedAction,
    Rules,
    acts_on,
    is_echo,
    origin_suppression,
    plan_actions,
)
from workers.sync.store import known_suppressions, lists_having, note_suppressions, suppression_row

# What planning reads of a stored event: its id and the facts the policy reads (and the counter's source).
EFFECT_COLUMNS = (
    "id",
    "mailgun_event_id",
    "occurred_at",
    "type",
    "region",
    "source",  # for the events-stored counter's label
    "domain",
    "recipient",
    "tags",
    "reason",
    "delivery_status",
    "mailing_list",
)


class StoredEvent(EventFacts, Protocol):
    @property
    def id(self) -> int: ...


def plan_effects(connection: Connection, inserted_events: Sequence[StoredEvent], settings: Settings) -> int:
    """Insert the outbox rows the new events call for; the number of rows planned."""
    rules = Rules.from_settings(settings.sync)
    domains = {region: settings.domains_in(region) for region in {e.region for e in inserted_events}}
    events: list[StoredEvent] = [e for e in inserted_events if acts_on(e, domains[e.region], rules)]
    if not events:
        return 0
    lists = lists_having(connection, _addresses(events)) if rules.lists else {}
    known = known_suppressions(connection, _addresses(e for e in events if is_echo(e)))
    now = datetime.now(UTC)
    actions: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []
    for event in events:
        member_of = lists.get((event.region, event.recipient or ""), ())
        planned = plan_actions(event, domains[event.region], member_of, rules)
        if is_echo(event):
            planned = [a for a in planned if (a.region, a.domain, a.address, a.kind) not in known]
        actions += [action_row(action, event.id, now) for action in planned]
        seen += _suppression_rows(event, planned, domains[event.region], rules, now)
    if actions:
        connection.execute(insert_ignoring_conflicts(SyncAction.__table__, connection), actions)
    note_suppressions(connection, seen)
    return len(actions)


def _addresses(events: Iterable[StoredEvent]) -> set[tuple[str, str]]:
    return {(event.region, event.recipient or "") for event in events}


def action_row(action: PlannedAction, event_id: int | None, now: datetime) -> dict[str, Any]:
    return new_action_row(
        idempotency_key=action.idempotency_key,
        region=action.region,
        kind=action.kind,
        domain=action.domain,
        list_address=action.list_address,
        address=action.address,
        payload=action.payload,
        event_id=event_id,
        now=now,
    )


def _suppression_rows(
    event: StoredEvent, planned: Sequence[PlannedAction], domains: Sequence[str], rules: Rules, now: datetime
) -> list[dict[str, Any]]:
    """Pending copies on the other domains, and what Mailgun already keeps on the event's own domain."""
    rows = [
        suppression_row(a.region, a.domain, a.address, a.kind, SuppressionState.PENDING, event.id, now)
        for a in planned
        if a.kind in ADD_KINDS and a.domain
    ]
    origin = origin_suppression(event, domains, rules)
    if origin and event.domain and event.recipient:
        rows.append(
            suppression_row(
                event.region, event.domain, event.recipient, origin, SuppressionState.OBSERVED, event.id, now
            )
        )
    return rows
