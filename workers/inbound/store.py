"""Inbox rows that arrived on the inbound routes: read before the drain's transaction, stored inside it.

`read_inbound` decodes and parses the post (the slow part, bounded by the MIME limits) with no transaction
open, so a slow message holds no lock: on SQLite the intake keeps writing meanwhile. `store_inbound` then
writes the message under its own savepoint: a message the database refuses becomes a dead letter with the
reason instead of failing the whole batch. A store() notification is stored as a message pending its fetch;
the caller sends the fetch task once the batch has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Connection, Table, insert, select, update

from app.core.db import insert_ignoring_conflicts
from app.core.models.inbound import InboundAttachmentRow, InboundMessageRow
from app.core.models.inbox import InboxRow
from app.core.models.inbox_vocab import InboxKind
from app.core.settings import Settings
from app.core.stores import PRIMARY, store_for_region
from workers.events.apart import describe, is_the_items_fault
from workers.events.claims import ClaimedRow
from workers.inbound.parse import InboundAttachment, InboundParseError
from workers.inbound.route_form import UnreadableForm, decode_route_form
from workers.inbound.rows import attachment_values, delivery_values, message_values
from workers.inbound.triage import (
    Parsed,
    fetch_refusal,
    message_region,
    misrouted_form,
    misrouted_json,
    parse_route_post,
)

log = logging.getLogger(__name__)

messages = cast(Table, InboundMessageRow.__table__)
attachments = cast(Table, InboundAttachmentRow.__table__)


@dataclass(frozen=True, slots=True)
class InboundResult:
    """A dead-letter reason, or None when the row is done; and the messages to fetch after the commit."""

    dead_reason: str | None = None
    fetches: list[int] = field(default_factory=list)
    forward_to: str | None = None  # the URL of the database that keeps the message's region


def read_inbound(row: ClaimedRow, settings: Settings) -> Parsed | InboundResult:
    """The message a row carries, or the dead letter it makes. No database: run before the write opens."""
    if row.kind == InboxKind.WEBHOOK:  # JSON: Mailgun sends JSON for tracking webhooks only
        return InboundResult(misrouted_json(row.route, row.body))
    try:
        form = decode_route_form(row.content_type, row.body)
    except UnreadableForm as exc:
        return InboundResult(f"unreadable body: {exc}")
    misrouted = misrouted_form(row.route, form)
    if misrouted is not None:
        return InboundResult(misrouted)
    try:
        parsed = parse_route_post(row.kind, form, settings.mime)
    except InboundParseError as exc:
        return InboundResult(f"no inbound message in the post: {exc}")
    if parsed.message.bounded:
        log.warning("inbound row %d read within bounds: %s", row.id, "; ".join(parsed.message.bounded))
    return parsed


def store_inbound(
    connection: Connection,
    row: ClaimedRow,
    read: Parsed | InboundResult,
    settings: Settings,
    store: str = PRIMARY,
) -> InboundResult:
    """Store what `read_inbound` made of the row, in the caller's transaction."""
    if isinstance(read, InboundResult):
        return read
    parsed = read
    try:
        with connection.begin_nested():
            return _store(connection, row, parsed, settings, store)
    except Exception as exc:
        if not is_the_items_fault(exc):
            raise  # the store is away: the whole attempt fails, and is counted on its rows
        # The type only: a driver message quotes the statement's parameters, i.e. the mail.
        log.warning("inbound row %d refused by the database: %s", row.id, type(exc).__name__)
        return InboundResult(f"the database refused the parsed message ({describe(exc)})")


def _store(
    connection: Connection, row: ClaimedRow, parsed: Parsed, settings: Settings, store: str
) -> InboundResult:
    message = parsed.message
    region = message_region(
        message.domain, message.storage_url, row.region_hint, settings.domain_regions, settings.api_bases
    )
    home = store_for_region(settings, region)
    if home.name != store:
        return InboundResult(forward_to=home.url)
    if parsed.store_notification:
        refusal = fetch_refusal(message.storage_url, region, settings.api_bases)
        if refusal is not None:
            return InboundResult(refusal)
    token = connection.scalar(select(InboxRow.token).where(InboxRow.id == row.id))
    values = {**message_values(message), **delivery_values(row.id, token, row.received_at, region)}
    if parsed.store_notification:
        # What the notification says is kept meanwhile; the fetched message replaces it (and its hash).
        values.update(
            fetch_status="pending", fetch_next_at=datetime.now(UTC), content_hash=None, raw_mime=None
        )
    message_row_id = _insert_message(connection, values)
    if message_row_id is None:
        return _already_stored(connection, token)
    if not parsed.store_notification:
        insert_attachments(connection, message_row_id, message.attachments, settings.attachment_max_bytes)
        return InboundResult()
    return InboundResult(fetches=[message_row_id])


def _insert_message(connection: Connection, values: dict[str, object]) -> int | None:
    """The new row's id; None when the token or (Message-ID, content hash) is already stored."""
    statement = insert_ignoring_conflicts(messages, connection).values(**values).returning(messages.c.id)
    return connection.scalar(statement)


def insert_attachments(
    connection: Connection, message_row_id: int, items: Sequence[InboundAttachment], max_bytes: int
) -> None:
    rows = attachment_values(message_row_id, items, max_bytes)
    if rows:
        connection.execute(insert(attachments), rows)


def _already_stored(connection: Connection, token: str | None) -> InboundResult:
    """A replayed row, or the same message again. A replayed notification whose fetch failed is retried."""
    retried = connection.execute(
        update(messages)
        .where(messages.c.token == token, messages.c.fetch_status.in_(("failed", "pending")))
        .values(fetch_status="pending", fetch_error=None, fetch_attempts=0, fetch_next_at=datetime.now(UTC))
        .returning(messages.c.id)
    ).scalar()
    return InboundResult(fetches=[retried] if retried is not None else [])
