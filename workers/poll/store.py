"""The poller's database side: a domain's cursor (leased, advanced page by page, settled) and one page stored.

A page is stored in one transaction with the cursor's advance, so the cursor never passes an event that is
not committed. Items are recorded as the drain records them (`record_events`: stored, then their sync
actions planned); an item the normalizer refuses is
kept as a dead letter in the inbox (kind `logs_api` or `events_api`, its source's), keyed by a digest of the
item so a page read again adds nothing; `mailhook replay` hands it to the same normalizer once it is fixed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, or_, update

from app.core.db import insert_ignoring_conflicts
from app.core.models.inbox import InboxRow
from app.core.models.inbox_vocab import InboxStatus
from app.core.models.polling import PollCursor
from app.core.settings import Settings
from app.core.unit_of_work import UnitOfWork
from workers.events.normalize import NormalizationError
from workers.events.record import record_events
from workers.poll.sources import EVENTS_API, ItemKind


@dataclass(frozen=True, slots=True)
class Lease:
    trusted_until: datetime | None


@dataclass(frozen=True, slots=True)
class PageCounts:
    seen: int
    new: int
    dead: int


def claim_cursor(engine: Engine, region: str, domain: str, now: datetime, hold: timedelta) -> Lease | None:
    """Lease the domain's cursor until `now + hold`; None while another run holds it."""
    with engine.begin() as connection:
        connection.execute(
            insert_ignoring_conflicts(PollCursor.__table__, connection), {"region": region, "domain": domain}
        )
        claimed = connection.execute(
            update(PollCursor)
            .where(_key(region, domain), or_(PollCursor.lease_until.is_(None), PollCursor.lease_until < now))
            .values(lease_until=now + hold, last_run_at=now, updated_at=now)
            .returning(PollCursor.trusted_until)
        ).first()
    return None if claimed is None else Lease(claimed.trusted_until)


def record_page(
    connection: Connection, region: str, domain: str, trusted_until: datetime | None, counts: PageCounts
) -> None:
    connection.execute(
        update(PollCursor)
        .where(_key(region, domain))
        .values(
            trusted_until=trusted_until,
            pages=PollCursor.pages + 1,
            events_seen=PollCursor.events_seen + counts.seen,
            events_new=PollCursor.events_new + counts.new,
            dead_letters=PollCursor.dead_letters + counts.dead,
        )
    )


def settle_cursor(
    engine: Engine,
    region: str,
    domain: str,
    *,
    trusted_until: datetime | None,
    outcome: str,
    error: str | None,
    now: datetime,
) -> None:
    """Release the lease and say how the run ended; a failed run leaves `last_success_at` as it was."""
    values: dict[str, Any] = {
        "lease_until": None,
        "last_outcome": outcome,
        "last_error": error,
        "updated_at": now,
    }
    if trusted_until is not None:
        values["trusted_until"] = trusted_until
    if outcome != "failed":
        values["last_success_at"] = now
    with engine.begin() as connection:
        connection.execute(update(PollCursor).where(_key(region, domain)).values(**values))


def store_items(
    work: UnitOfWork,
    settings: Settings,
    region: str,
    domain: str,
    items: Sequence[Any],
    kind: ItemKind = EVENTS_API,
) -> PageCounts:
    """Normalize and store one page's items; the events new to the table, and the new dead letters."""
    events: list[dict[str, Any]] = []
    dead: list[dict[str, Any]] = []
    for item in items:
        try:
            event = kind.normalize(
                item, domain_regions=settings.domain_regions, region_hint=region, domain_hint=domain
            )
        except NormalizationError as exc:
            dead.append(dead_letter_row(item, region, domain, f"cannot normalize: {exc}", kind))
        else:
            # The region asked is certain; the normalizer's guess from hosts and hints is not.
            events.append({**event.as_row(), "region": region, "inbox_id": None})
    # Most of a page is usually stored already (the webhooks brought it): no optimistic COPY.
    new = record_events(work, events, settings, likely_new=False)
    return PageCounts(seen=len(items), new=new, dead=_insert_dead_letters(work.connection, dead))


def dead_letter_row(
    item: Any, region: str, domain: str, reason: str, kind: ItemKind = EVENTS_API
) -> dict[str, Any]:
    body = json.dumps(item, sort_keys=True, separators=(",", ":"), default=str).encode()
    return {
        "token": f"{kind.token_prefix}:{hashlib.sha256(body).hexdigest()}",
        "kind": kind.name,
        "route": kind.name,
        "content_type": "application/json",
        "body": body,
        "headers": {},
        "region_hint": region,
        "domain_hint": domain,
        "status": InboxStatus.DEAD,
        "attempts": 1,
        "error": reason,
    }


def _insert_dead_letters(connection: Connection, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    table = InboxRow.__table__
    statement = insert_ignoring_conflicts(table, connection).returning(table.c.id)
    return len(connection.execute(statement, rows).all())


def _key(region: str, domain: str) -> Any:
    return (PollCursor.region == region) & (PollCursor.domain == domain)
