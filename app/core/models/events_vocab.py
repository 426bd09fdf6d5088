"""The vocabulary of the `events` table (app/core/models/events.py). Pure, so the normalizer, the API's
filters and the dashboard's chart use the same names without loading the database layer.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """The provider-neutral type of an event, in the order the API and the dashboard list them."""

    QUEUED = "queued"
    DELIVERED = "delivered"
    DEFERRED = "deferred"
    BOUNCED = "bounced"
    REJECTED = "rejected"
    OPENED = "opened"
    CLICKED = "clicked"
    COMPLAINED = "complained"
    UNSUBSCRIBED = "unsubscribed"
    STORED = "stored"
    UNKNOWN = "unknown"


class EventSource(StrEnum):
    """How Mailgun told us about the event."""

    WEBHOOK = "webhook"
    LEGACY_WEBHOOK = "legacy_webhook"
    EVENTS_API = "events_api"
    LOGS_API = "logs_api"
