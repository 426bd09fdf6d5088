"""Database side of the sync: upserts in both dialects, the local suppression view and the list mirror.

Helpers take a connection and never commit: the caller's transaction decides what goes together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.core.models.sync import ListMember, MailingList, Suppression, SyncAction, SyncPause
from app.core.models.sync_vocab import SuppressionState

sync_actions: Table = SyncAction.__table__  # type: ignore[assignment]
suppressions: Table = Suppression.__table__  # type: ignore[assignment]
list_members: Table = ListMember.__table__  # type: ignore[assignment]
mailing_lists: Table = MailingList.__table__  # type: ignore[assignment]
sync_pauses: Table = SyncPause.__table__  # type: ignore[assignment]

T = TypeVar("T")
IN_CHUNK = 500  # well under SQLite's bound-parameter limit
_SUPPRESSION_KEY = ("region", "domain", "address", "kind")
# The states of a suppression that is in force or on its way.
HELD = (SuppressionState.OBSERVED, SuppressionState.PENDING, SuppressionState.SYNCED)


def upsert(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    updates: Sequence[str],
) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE; of rows sharing a key the last wins (Postgres refuses two)."""
    unique = list({tuple(row[k] for k in keys): row for row in rows}.values())
    if not unique:
        return
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={column: statement.excluded[column] for column in updates}
    )
    connection.execute(statement, unique)


def suppression_row(
    region: str, domain: str, address: str, kind: str, state: str, event_id: int | None, now: datetime
) -> dict[str, Any]:
    return {
        "region": region,
        "domain": domain.lower(),
        "address": address,
        "kind": kind,
        "state": state,
        "source_event_id": event_id,
        "synced_at": now if state == SuppressionState.SYNCED else None,
        "created_at": now,
        "updated_at": now,
    }


def note_suppressions(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    upsert(
        connection,
        suppressions,
        rows,
        _SUPPRESSION_KEY,
        ("state", "source_event_id", "synced_at", "updated_at"),
    )


def set_suppression_state(
    connection: Connection,
    region: str,
    domain: str,
    kind: str,
    addresses: Iterable[str],
    state: str,
    now: datetime,
) -> None:
    """The outcome of a push on existing rows (a row deleted meanwhile stays deleted)."""
    synced_at = {"synced_at": now} if state in (SuppressionState.SYNCED, SuppressionState.REMOVED) else {}
    for chunk in chunks(sorted(set(addresses))):
        connection.execute(
            update(suppressions)
            .where(
                suppressions.c.region == region,
                suppressions.c.domain == domain.lower(),
                suppressions.c.kind == kind,
                suppressions.c.address.in_(chunk),
            )
            .values(state=state, updated_at=now, **synced_at)
        )


def lists_having(
    connection: Connection, wanted: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[str]]:
    """For (region, address) pairs: mirrored lists of that region having the address, subscribed or not."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for region, addresses in _by_region(wanted).items():
        for chunk in chunks(sorted(addresses)):
            query = select(list_members.c.address, list_members.c.list_address).where(
                list_members.c.region == region, list_members.c.address.in_(chunk)
            )
            for address, list_address in connection.execute(query):
                found[(region, address)].append(list_address)
    return dict(found)


def known_suppressions(
    connection: Connection, wanted: Iterable[tuple[str, str]]
) -> set[tuple[str, str, str, str]]:
    """For (region, address) pairs: the (region, domain, address, kind) already suppressed or on their way."""
    found: set[tuple[str, str, str, str]] = set()
    columns = (suppressions.c.region, suppressions.c.domain, suppressions.c.address, suppressions.c.kind)
    for region, addresses in _by_region(wanted).items():
        for chunk in chunks(sorted(addresses)):
            query = select(*columns).where(
                suppressions.c.region == region,
                suppressions.c.address.in_(chunk),
                suppressions.c.state.in_(HELD),
            )
            found.update((r, d, a, k) for r, d, a, k in connection.execute(query))
    return found


def mark_unsubscribed(connection: Connection, region: str, list_address: str, address: str) -> None:
    connection.execute(
        update(list_members)
        .where(
            list_members.c.region == region,
            list_members.c.list_address == list_address,
            list_members.c.address == address.lower(),
        )
        .values(subscribed=False)
    )


def replace_list(
    connection: Connection,
    region: str,
    listed: Mapping[str, Any],
    members: Sequence[Mapping[str, Any]],
    now: datetime,
) -> None:
    """One list of the mirror, as the API just listed it (members lower-cased, like event recipients)."""
    address = str(listed["address"]).lower()
    upsert(
        connection,
        mailing_lists,
        [
            {
                "region": region,
                "address": address,
                "name": listed.get("name") or None,
                "members_count": listed.get("members_count"),
                "refreshed_at": now,
            }
        ],
        ("region", "address"),
        ("name", "members_count", "refreshed_at"),
    )
    connection.execute(
        delete(list_members).where(list_members.c.region == region, list_members.c.list_address == address)
    )
    rows = {str(m["address"]).lower(): bool(m.get("subscribed", True)) for m in members if m.get("address")}
    if rows:
        connection.execute(
            list_members.insert(),
            [
                {
                    "region": region,
                    "list_address": address,
                    "address": member,
                    "subscribed": subscribed,
                    "refreshed_at": now,
                }
                for member, subscribed in rows.items()
            ],
        )


def forget_lists_except(connection: Connection, region: str, kept: Iterable[str]) -> None:
    """Lists deleted at Mailgun leave the mirror."""
    kept_set = {address.lower() for address in kept}
    known = connection.scalars(select(mailing_lists.c.address).where(mailing_lists.c.region == region)).all()
    for gone in chunks([address for address in known if address not in kept_set]):
        connection.execute(
            delete(list_members).where(list_members.c.region == region, list_members.c.list_address.in_(gone))
        )
        connection.execute(
            delete(mailing_lists).where(
                and_(mailing_lists.c.region == region, mailing_lists.c.address.in_(gone))
            )
        )


def paused_until(connection: Connection, region: str) -> datetime | None:
    return connection.scalar(select(sync_pauses.c.paused_until).where(sync_pauses.c.region == region))


def pause_region(connection: Connection, region: str, until: datetime, reason: str, now: datetime) -> None:
    upsert(
        connection,
        sync_pauses,
        [{"region": region, "paused_until": until, "reason": reason, "updated_at": now}],
        ("region",),
        ("paused_until", "reason", "updated_at"),
    )


def _by_region(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = defaultdict(set)
    for region, address in pairs:
        grouped[region].add(address)
    return grouped


def chunks(values: Sequence[T]) -> Iterable[list[T]]:
    for start in range(0, len(values), IN_CHUNK):
        yield list(values[start : start + IN_CHUNK])
