"""The OpenAPI description of the event endpoints: /events, a message's timeline, a recipient's summary,
/stats; their schemas and the filters they take."""

from __future__ import annotations

from typing import Any

from app.api import events
from app.api.openapi import sync
from app.api.openapi.parts import (
    TIME_IN,
    Schema,
    get_operation,
    nullable,
    object_schema,
    page,
    path_param,
    ref,
    time_out,
)
from app.core.models.events_vocab import EventSource, EventType
from app.core.regions import REGIONS

# A message's timeline: the time window and the paging, by the shared components' names.
TIMELINE = ("since", "until", "limit", "cursor")


def paths() -> dict[str, Any]:
    return {
        "/events": {
            "get": get_operation(
                "listEvents",
                "Events, newest first.",
                "EventPage",
                list(events.LIST_PARAMS),  # the very list the view accepts, so doc and view cannot drift
            )
        },
        "/events/{id}": {
            "get": get_operation(
                "getEvent",
                "One event with its raw payload.",
                "EventDetail",
                [path_param("id", "The event's id.")],
                not_found=True,
            )
        },
        "/messages/{message_id}/events": {
            "get": get_operation(
                "messageTimeline",
                "One message's events, oldest first.",
                "EventPage",
                [path_param("message_id", "The Message-Id, angle brackets optional."), *TIMELINE],
            )
        },
        "/recipients/{address}": {
            "get": get_operation(
                "recipientSummary",
                "Counts and the latest event per type for one address (case-insensitive).",
                "RecipientSummary",
                [path_param("address", "The recipient's email address.")],
                not_found=True,
            )
        },
        "/stats": {
            "get": get_operation(
                "eventStats",
                "Event counts per type per UTC hour or day.",
                "Stats",
                ["domain", "region", "since", "until", "interval"],
            )
        },
    }


def schemas() -> dict[str, Any]:
    return {
        "Event": object_schema(event_properties()),
        "EventDetail": object_schema({**event_properties(), "payload": {"type": "object"}}),
        "EventPage": page("Event"),
        "RecipientSummary": object_schema(
            {
                "address": {"type": "string"},
                "total": {"type": "integer", "minimum": 1},
                "counts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}},
                "last": {"type": "object", "additionalProperties": ref("Event")},
                **sync.recipient_properties(),
            }
        ),
        "Stats": object_schema(
            {
                "interval": {"enum": ["hour", "day"]},
                "since": time_out(),
                "until": time_out(),
                "buckets": {
                    "type": "array",
                    "items": object_schema(
                        {
                            "start": time_out(),
                            "total": {"type": "integer", "minimum": 0},
                            "counts": {
                                "type": "object",
                                "additionalProperties": {"type": "integer", "minimum": 1},
                            },
                        }
                    ),
                },
            }
        ),
    }


def parameters() -> dict[str, Schema]:
    """The filters of the event endpoints, shared by name (`recipient` and `domain` by the others too)."""
    return {
        "recipient": query("recipient", "Recipient address, case-insensitive."),
        "domain": query("domain", "Sending domain, case-insensitive."),
        "type": query("type", f"Normalized event type, case-insensitive: {', '.join(EventType)}."),
        "event": query("event", "Mailgun's event name (e.g. failed, accepted)."),
        "message_id": query("message_id", "Message-Id, angle brackets optional."),
        "tag": query("tag", "Events whose tags include this one."),
        "since": query("since", f"Inclusive lower bound on occurred_at: {TIME_IN}"),
        "until": query("until", f"Exclusive upper bound on occurred_at: {TIME_IN}"),
        "interval": query(
            "interval",
            "Bucket size, hour or day (default day), case-insensitive. Range "
            "defaults: 24 h for hour, 30 days for day; at most 31 days for hour, "
            "366 days for day.",
        ),
    }


def query(name: str, description: str, **schema: Any) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", **schema},
    }


def event_properties() -> dict[str, Any]:
    text, nullable_text, nullable_object = {"type": "string"}, nullable("string"), nullable("object")
    return {
        "id": {"type": "integer"},
        "mailgun_event_id": text,
        "occurred_at": time_out(),
        "received_at": time_out(),
        "event": text,
        "severity": nullable_text,
        "type": {"enum": [*EventType]},
        "region": {"enum": list(REGIONS)},
        "domain": nullable_text,
        "recipient": nullable_text,
        "message_id": nullable_text,
        "tags": {"type": "array", "items": {"type": "string"}},
        "user_variables": {"type": "object"},
        "reason": nullable_text,
        "delivery_status": nullable_object,
        "url": nullable_text,
        "ip": nullable_text,
        "client_info": nullable_object,
        "geolocation": nullable_object,
        "mailing_list": nullable_object,
        "storage_url": nullable_text,
        "source": {"enum": [*EventSource]},
    }
