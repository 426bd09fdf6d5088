"""After each mirror refresh: the list unsubscribes that bounces and complaints still owe, queued.

The drain unsubscribes a bouncer or complainer from the lists the mirror has it on at that moment; a mirror
still empty (before its first refresh), a member added to a list later, or a list created later would leave
the address mailed for good. So every refresh compares the fresh mirror with the `suppressions` table: an
address held as bounced or complained in the region and subscribed on one of its lists gets that list's
unsubscribe queued, keyed as its source event's own (workers.sync.policy.plan_convergence). An unsubscribe
already queued for that event and list, whatever became of it, is never queued again: an operator or Mailgun
may re-subscribe the address afterwards, and that is not fought.

A source event that retention has purged is stood in for by its suppression row: the key is then the row's,
and the actions already queued are still recognised by the event id they carry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from app.core.db import insert_ignoring_conflicts
from app.core.models.events import Event
from app.core.models.sync_vocab import SuppressionState, SyncActionKind
from workers.sync.effects import EFFECT_COLUMNS, action_row
from workers.sync.policy import CONVERGING_KINDS, CONVERGING_TYPES, EventFacts, Rules, plan_convergence
from workers.sync.store import chunks, list_members, suppressions, sync_actions

events = Event.__table__


@dataclass(frozen=True, slots=True)
class SuppressionCause:
    """Stands in for the event behind a suppression once retention has deleted the event."""

    mailgun_event_id: str
    occurred_at: datetime
    type: str
    region: str
    domain: str | None
    recipient: str | None
    tags: Sequence[str] = ()
    reason: str | None = None
    delivery_status: Mapping[str, Any] | None = None
    mailing_list: Mapping[str, Any] | None = None


@dataclass
class Suppressed:
    """What the region's suppressions and fresh mirror say of the addresses subscribed on a list."""

    lists: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    rows: dict[str, dict[int, Row[Any]]] = field(default_factory=lambda: defaultdict(dict))

    def event_ids(self) -> set[int]:
        return {r.source_event_id for rows in self.rows.values() for r in rows.values() if r.source_event_id}


def converge_lists(connection: Connection, region: str, rules: Rules, now: datetime) -> int:
    """Queue the list unsubscribes the region's bounces and complaints still owe; the number queued."""
    kinds = [kind for kind, event_type in CONVERGING_KINDS.items() if rules.covers(event_type)]
    if not rules.lists or not kinds:
        return 0
    found = _subscribed_suppressed(connection, region, kinds)
    if not found.lists:
        return 0
    event_ids = found.event_ids()
    source_events = _events(connection, region, event_ids)
    causes = {address: _cause(rows.values(), source_events) for address, rows in found.rows.items()}
    handled = _handled(connection, region, event_ids)
    planned = plan_convergence({a: facts for a, (facts, _) in causes.items()}, found.lists, handled, rules)
    rows = [action_row(action, causes[action.address][1], now) for action in planned]
    if not rows:
        return 0
    statement = insert_ignoring_conflicts(sync_actions, connection).returning(sync_actions.c.id)
    return len(connection.execute(statement, rows).all())


def _subscribed_suppressed(connection: Connection, region: str, kinds: Collection[str]) -> Suppressed:
    """Each subscribed member of a list of the region that is held as bounced or complained there."""
    query = (
        select(list_members.c.list_address, suppressions)
        .join(
            suppressions,
            (suppressions.c.region == region) & (suppressions.c.address == list_members.c.address),
        )
        .where(
            list_members.c.region == region,
            list_members.c.subscribed.is_(True),
            suppressions.c.kind.in_(kinds),
            suppressions.c.state != SuppressionState.REMOVED,  # an operator took the suppression back
        )
    )
    found = Suppressed()
    for row in connection.execute(query):
        found.lists[row.address].add(row.list_address)
        found.rows[row.address][row.id] = row
    return found


def _events(connection: Connection, region: str, ids: Iterable[int]) -> dict[int, Row[Any]]:
    columns = [events.c[name] for name in EFFECT_COLUMNS]
    found: dict[int, Row[Any]] = {}
    for chunk in chunks(sorted(ids)):
        query = select(*columns).where(events.c.id.in_(chunk), events.c.region == region)
        found.update((row.id, row) for row in connection.execute(query))
    return found


def _cause(rows: Iterable[Row[Any]], source_events: Mapping[int, Row[Any]]) -> tuple[EventFacts, int | None]:
    """The address's latest bounce or complaint event still stored, else its latest suppression row; with the
    event id its actions carry."""
    stored = [source_events[r.source_event_id] for r in rows if r.source_event_id in source_events]
    stored = [event for event in stored if event.type in CONVERGING_TYPES]
    if stored:
        event = max(stored, key=lambda e: e.id)
        return event, event.id
    row = max(rows, key=lambda r: r.id)
    kind = CONVERGING_KINDS[row.kind]
    stand_in = SuppressionCause(
        f"suppression:{row.id}", row.created_at, kind, row.region, row.domain, row.address
    )
    return stand_in, row.source_event_id


def _handled(connection: Connection, region: str, event_ids: Iterable[int]) -> set[tuple[str, str]]:
    """(address, list) pairs that the addresses' source events already had an unsubscribe queued for."""
    handled: set[tuple[str, str]] = set()
    for chunk in chunks(sorted(event_ids)):
        query = select(sync_actions.c.address, sync_actions.c.list_address).where(
            sync_actions.c.region == region,
            sync_actions.c.kind == SyncActionKind.LIST_UNSUBSCRIBE,
            sync_actions.c.event_id.in_(chunk),
        )
        handled.update((address, (name or "").lower()) for address, name in connection.execute(query))
    return handled
