"""Completing a store() notification: fetch the stored message, or give up into a visible dead letter.

One fetch attempt per call, no transaction held across the network. Mailgun keeps stored messages about three
days, so transient failures are retried with backoff until then; a permanent answer (a refused key, a gone
message) or the end of those three days marks the message failed and its inbox row dead, with the reason.
A message received on a subaccount's domain is fetched on that subaccount's behalf, with the parent's key.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import Engine, RowMapping, Table, delete, select, update

from app.core.models.inbound import InboundMessageRow
from app.core.settings import Settings
from workers.events.claims import mark_dead
from workers.inbound.parse import InboundMessage
from workers.inbound.rows import merged_with_fetched, message_values
from workers.inbound.storage_client import FetchFailure, fetch_message
from workers.inbound.store import insert_attachments
from workers.inbound.triage import fallback_url, fetch_refusal
from workers.mailgun.client import MailgunClient

log = logging.getLogger(__name__)

messages = cast(Table, InboundMessageRow.__table__)
STORED_MESSAGE_LIFETIME = timedelta(days=3)
BACKOFF_FIRST_SECONDS = 30.0
# Under the broker's visibility timeout: a longer countdown is redelivered early by Redis.
BACKOFF_MAX_SECONDS = 1800.0
# Kept from the pending row: the fetched copy's URL is where it was fetched, the notification's is Mailgun's.
_KEPT_COLUMNS = ("storage_url", "domain")


@dataclass(frozen=True, slots=True)
class FetchStep:
    status: str  # done, duplicate, retry, dead, skipped
    retry_in: float | None = None


def backoff_seconds(attempts: int) -> float:
    """Exponential from 30 s, capped at 30 min, with ±20 % jitter so retries of a burst spread out."""
    base = min(BACKOFF_FIRST_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return base * random.uniform(0.8, 1.2)


def fetch_pending(
    engine: Engine, settings: Settings, message_row_id: int, client: httpx.Client, now: datetime | None = None
) -> FetchStep:
    now = now or datetime.now(UTC)
    row = _pending_row(engine, message_row_id)
    if row is None:
        return FetchStep("skipped")
    refusal = _refusal(row, settings)
    if refusal is not None:
        return _give_up(engine, row, refusal, attempted=False)
    assert settings.api_key is not None
    fallback = fallback_url(row["storage_url"], row["domain"], row["region"], settings.api_bases)
    behalf = _subaccount_of(settings, row["region"], row["domain"])
    fetched = fetch_message(
        client, row["storage_url"], settings.api_key, fallback, settings.mime, on_behalf_of=behalf
    )
    if isinstance(fetched, InboundMessage):
        return _complete(engine, row, fetched, settings, now)
    if fetched.permanent:
        return _give_up(engine, row, fetched.reason, attempted=True)
    return _retry_later(engine, row, fetched, now)


def _subaccount_of(settings: Settings, region: str | None, domain: str | None) -> str | None:
    """The subaccount a message's domain belongs to: its storage is reached only on that one's behalf."""
    if not domain:
        return None
    if settings.discover_subaccounts and region is not None and region in settings.api_bases:
        with MailgunClient.for_region(settings, region) as mailgun:  # what was discovered is kept a while
            return mailgun.subaccounts.get(domain.lower())
    return settings.subaccounts.get(domain.lower())


def _pending_row(engine: Engine, message_row_id: int) -> RowMapping | None:
    query = select(messages).where(messages.c.id == message_row_id, messages.c.fetch_status == "pending")
    with engine.connect() as connection:
        return connection.execute(query).mappings().first()


def _refusal(row: RowMapping, settings: Settings) -> str | None:
    # Checked again at every attempt: the configuration may have changed since the notification came in.
    refusal = fetch_refusal(row["storage_url"], row["region"], settings.api_bases)
    if refusal is None and not settings.api_key:
        return (
            "MAILGUN_API_KEY is not set, so stored messages cannot be fetched: set it, then replay this row"
        )
    return refusal


def _complete(
    engine: Engine, row: RowMapping, fetched: InboundMessage, settings: Settings, now: datetime
) -> FetchStep:
    values = merged_with_fetched(dict(row), message_values(fetched))
    values.update({name: row[name] or values[name] for name in _KEPT_COLUMNS})
    values.update(
        fetch_status="done",
        fetch_error=None,
        fetch_next_at=None,
        fetched_at=now,
        fetch_attempts=row["fetch_attempts"] + 1,
    )
    with engine.begin() as connection:
        if _is_duplicate(connection, row["id"], values):
            connection.execute(delete(messages).where(messages.c.id == row["id"]))
            log.info("stored message %d duplicates one already stored; dropped", row["id"])
            return FetchStep("duplicate")
        claimed = connection.execute(
            update(messages)
            .where(messages.c.id == row["id"], messages.c.fetch_status == "pending")
            .values(values)
        ).rowcount
        if not claimed:  # Another run completed it meanwhile.
            return FetchStep("skipped")
        insert_attachments(connection, row["id"], fetched.attachments, settings.attachment_max_bytes)
    return FetchStep("done")


def _is_duplicate(connection: Any, row_id: int, values: dict[str, Any]) -> bool:
    if values["message_id"] is None:
        return False
    query = select(messages.c.id).where(
        messages.c.message_id == values["message_id"],
        messages.c.content_hash == values["content_hash"],
        messages.c.id != row_id,
    )
    return connection.execute(query).first() is not None


def _retry_later(engine: Engine, row: RowMapping, failure: FetchFailure, now: datetime) -> FetchStep:
    attempts = row["fetch_attempts"] + 1
    if now - row["received_at"] >= STORED_MESSAGE_LIFETIME:
        return _give_up(
            engine,
            row,
            (
                f"gave up after {attempts} attempts: the stored message expires about 3 days after the "
                f"notification (received {row['received_at']:%Y-%m-%d %H:%M} UTC); "
                f"last error: {failure.reason}"
            ),
            attempted=True,
        )
    delay = backoff_seconds(attempts)
    with engine.begin() as connection:
        connection.execute(
            update(messages)
            .where(messages.c.id == row["id"])
            .values(
                fetch_attempts=attempts,
                fetch_error=failure.reason,
                fetch_next_at=now + timedelta(seconds=delay),
            )
        )
    return FetchStep("retry", retry_in=delay)


def _give_up(engine: Engine, row: RowMapping, reason: str, *, attempted: bool) -> FetchStep:
    log.warning("stored message %d dead-lettered: %s", row["id"], reason)
    with engine.begin() as connection:
        connection.execute(
            update(messages)
            .where(messages.c.id == row["id"])
            .values(
                fetch_status="failed",
                fetch_error=reason,
                fetch_next_at=None,
                fetch_attempts=messages.c.fetch_attempts + int(attempted),
            )
        )
        if row["inbox_id"] is not None:
            mark_dead(connection, {row["inbox_id"]: reason})
    return FetchStep("dead")
