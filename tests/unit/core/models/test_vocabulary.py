"""The stored vocabularies: their values are the strings the databases already hold; each fits its column."""

from __future__ import annotations

from enum import StrEnum

import pytest
from sqlalchemy import Column, String

from app.core.models.events import Event
from app.core.models.events_vocab import EventSource, EventType
from app.core.models.inbox import InboxRow
from app.core.models.inbox_vocab import InboxKind, InboxStatus
from app.core.models.sync import Suppression, SyncAction
from app.core.models.sync_vocab import (
    ADD_KINDS,
    DELETE_KINDS,
    SuppressionKind,
    SuppressionState,
    SyncActionKind,
    SyncActionStatus,
)

# The rows already stored hold these strings: changing one needs a migration, not an edit here.
STORED = {
    EventType: ["queued", "delivered", "deferred", "bounced", "rejected", "opened", "clicked", "complained",
                "unsubscribed", "stored", "unknown"],
    EventSource: ["webhook", "legacy_webhook", "events_api", "logs_api"],
    InboxKind: ["webhook", "legacy_webhook", "inbound", "inbound_mime", "store_notify", "events_api",
                "logs_api"],
    InboxStatus: ["pending", "done", "dead"],
    SuppressionKind: ["bounce", "complaint", "unsubscribe"],
    SyncActionKind: ["bounce", "complaint", "unsubscribe", "list_unsubscribe", "bounce_delete",
                     "complaint_delete", "unsubscribe_delete"],
    SyncActionStatus: ["pending", "done", "failed", "dead"],
    SuppressionState: ["observed", "pending", "synced", "failed", "removed"],
}  # fmt: skip
COLUMNS: list[tuple[type[StrEnum], Column[str]]] = [
    (EventType, Event.__table__.c.type),
    (EventSource, Event.__table__.c.source),
    (InboxKind, InboxRow.__table__.c.kind),
    (InboxStatus, InboxRow.__table__.c.status),
    (SyncActionKind, SyncAction.__table__.c.kind),
    (SyncActionStatus, SyncAction.__table__.c.status),
    (SuppressionKind, Suppression.__table__.c.kind),
    (SuppressionState, Suppression.__table__.c.state),
]


@pytest.mark.parametrize("vocabulary", list(STORED), ids=lambda v: v.__name__)
def test_each_vocabulary_keeps_the_stored_strings(vocabulary: type[StrEnum]) -> None:
    assert [member.value for member in vocabulary] == STORED[vocabulary]


@pytest.mark.parametrize(("vocabulary", "column"), COLUMNS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_value_fits_its_column(vocabulary: type[StrEnum], column: Column[str]) -> None:
    assert isinstance(column.type, String) and column.type.length is not None
    assert max(len(member) for member in vocabulary) <= column.type.length


def test_the_action_kinds_that_add_or_remove_a_suppression_name_it() -> None:
    assert [kind.suppression for kind in ADD_KINDS] == list(SuppressionKind)
    assert [kind.suppression for kind in DELETE_KINDS] == list(SuppressionKind)
    assert SyncActionKind.LIST_UNSUBSCRIBE.suppression is None


def test_a_member_is_its_stored_string() -> None:
    assert EventType.BOUNCED == "bounced" and f"{SyncActionStatus.DEAD}" == "dead"
    assert {EventType.BOUNCED: 1}["bounced"] == 1  # a row's plain string finds a table keyed by members
