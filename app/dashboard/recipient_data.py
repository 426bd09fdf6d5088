"""What the recipient page shows besides its events: the address's suppressions per domain and region (with
the event each came from), its list memberships as the mirror last saw them, and the sync actions about it.

Each region's rows are read from the database that keeps that region (app/core/stores.py), each by an index
on the address: ix_suppressions_address, ix_list_members_region_address, ix_sync_actions_address_id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Table, select

from app.core.models.events import Event
from app.core.models.sync import ListMember, Suppression, SyncAction
from app.core.stores import Store

suppressions: Table = Suppression.__table__  # type: ignore[assignment]
members: Table = ListMember.__table__  # type: ignore[assignment]
actions: Table = SyncAction.__table__  # type: ignore[assignment]
events: Table = Event.__table__  # type: ignore[assignment]
ACTIONS_SHOWN = 100


@dataclass(frozen=True, slots=True)
class RecipientSync:
    suppressions: list[dict[str, Any]] = field(default_factory=list)
    lists: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)


def read_recipient_sync(databases: Sequence[tuple[Store, Engine]], address: str) -> RecipientSync:
    found = RecipientSync()
    for store, engine in databases:
        with engine.connect() as connection:
            rows = connection.execute(
                select(suppressions)
                .where(suppressions.c.address == address, suppressions.c.region.in_(store.regions))
                .order_by(suppressions.c.domain, suppressions.c.region, suppressions.c.kind)
            ).mappings()
            held = [dict(row, store=store.name) for row in rows]
            sources = _source_events(connection, [row["source_event_id"] for row in held])
            found.suppressions.extend({**row, "source": sources.get(row["source_event_id"])} for row in held)
            found.lists.extend(
                dict(row)
                for row in connection.execute(
                    select(
                        members.c.region, members.c.list_address, members.c.subscribed, members.c.refreshed_at
                    )
                    .where(members.c.region.in_(store.regions), members.c.address == address)
                    .order_by(members.c.list_address)
                ).mappings()
            )
            found.actions.extend(
                dict(row, store=store.name)
                for row in connection.execute(
                    select(*[c for c in actions.c if c.name != "idempotency_key"])
                    .where(actions.c.address == address)
                    .order_by(actions.c.id.desc())
                    .limit(ACTIONS_SHOWN)
                ).mappings()
            )
    found.actions.sort(key=lambda row: row["created_at"], reverse=True)
    return found


def _source_events(connection: Any, ids: list[int | None]) -> dict[int, dict[str, Any]]:
    """The event each suppression came from, by id in the same database (retention may have purged it)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = connection.execute(
        select(
            events.c.id, events.c.type, events.c.occurred_at, events.c.message_id, events.c.mailgun_event_id
        ).where(events.c.id.in_(wanted))
    ).mappings()
    return {row["id"]: dict(row) for row in rows}
