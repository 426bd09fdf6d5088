"""Which processor handles an inbox row, and in which lane: one table, by the row's kind.

A processor reads a row before the writing transaction opens (`read`: pure, the slow part: decoding,
normalizing, parsing mail) and writes what it read inside it (`write`, into the drain's Batch). Adding an
inbox kind is one line here. The lanes keep the two kinds of work apart: tracking webhooks are many small
rows, stored 500 to a transaction; inbound mail is few, large and slow to parse, so it is drained by a task of
its own (workers/events/drain.py), one message per transaction, and a slow message never delays an event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, not_, or_

from app.core.models.inbox_vocab import InboxKind
from app.core.settings import Settings
from workers.events.batch import Batch
from workers.events.claims import ClaimedRow, inbox
from workers.events.webhook_processor import read_webhook, write_webhook
from workers.inbound.processor import write_route_post
from workers.inbound.store import read_inbound
from workers.inbound.triage import INBOUND_ROUTES


class Lane(StrEnum):
    EVENTS = "events"
    INBOUND = "inbound"


@dataclass(frozen=True, slots=True)
class LaneRules:
    batch_size: int  # rows per claim
    rows_per_write: int  # rows per writing transaction
    claim_seconds: float  # how long a claim holds its rows: longer than reading all of them takes


LANES: Mapping[Lane, LaneRules] = {
    Lane.EVENTS: LaneRules(batch_size=500, rows_per_write=500, claim_seconds=15.0),
    # One message at a time: only one parsed message is in memory, and each is committed on its own. A claim
    # of ten, each read within the MIME limits' few seconds, is settled well within its two minutes.
    Lane.INBOUND: LaneRules(batch_size=10, rows_per_write=1, claim_seconds=120.0),
}


@dataclass(frozen=True, slots=True)
class Processor:
    lane: Lane
    read: Callable[[ClaimedRow, Settings], Any]  # before the writing transaction: no database
    write: Callable[[Batch, ClaimedRow, Any], None]  # inside it, with what `read` returned


WEBHOOK = Processor(Lane.EVENTS, read_webhook, write_webhook)
ROUTE_POST = Processor(Lane.INBOUND, read_inbound, write_route_post)

PROCESSORS: Mapping[str, Processor] = {
    InboxKind.WEBHOOK: WEBHOOK,
    InboxKind.LEGACY_WEBHOOK: WEBHOOK,
    # Items the poller could not normalize, replayed by an operator once the normalizer is fixed.
    InboxKind.EVENTS_API: WEBHOOK,
    InboxKind.LOGS_API: WEBHOOK,
    InboxKind.INBOUND: ROUTE_POST,
    InboxKind.INBOUND_MIME: ROUTE_POST,
    InboxKind.STORE_NOTIFY: ROUTE_POST,
}


def _no_processor(batch: Batch, row: ClaimedRow, _read: Any) -> None:
    batch.dead[row.id] = f"no processor for inbox kind {row.kind!r}"


# A kind this version does not know (written by a newer one, or by hand): dead-lettered, replayable later.
UNKNOWN = Processor(Lane.EVENTS, lambda row, settings: None, _no_processor)
_INBOUND_KINDS = sorted(kind for kind, processor in PROCESSORS.items() if processor.lane is Lane.INBOUND)


def processor_for(row: ClaimedRow) -> Processor:
    """Whatever arrived on an inbound URL is the route post processor's, whatever its kind: a tracking
    webhook posted there by mistake is dead-lettered with how to fix the route."""
    if row.route in INBOUND_ROUTES:
        return ROUTE_POST
    return PROCESSORS.get(row.kind, UNKNOWN)


def lane_rows(lane: Lane) -> ColumnElement[bool]:
    """The inbox rows of `lane`, as SQL: the same split as `processor_for`, so every row is in one lane."""
    inbound = or_(inbox.c.kind.in_(_INBOUND_KINDS), inbox.c.route.in_(INBOUND_ROUTES))
    return inbound if lane is Lane.INBOUND else not_(inbound)
