"""The OpenAPI description of /subscriptions (push subscriptions on the feed); merged into the document by
app.api.openapi.document."""

from __future__ import annotations

from typing import Any

from app.api.openapi.parts import (
    Schema,
    errors,
    json_body,
    nullable,
    object_schema,
    path_param,
    ref,
    state_change,
    time_out,
    with_region,
)
from app.core.models.events_vocab import EventType
from app.core.models.subscriptions import STATUSES
from app.core.regions import REGIONS

NOT_FOUND = {"404": {"$ref": "#/components/responses/NotFound"}}
ID = path_param("id", "The subscription's id (within its region's database).")


def paths() -> dict[str, Any]:
    return {
        "/subscriptions": {
            "post": _create(),
            "get": {
                "operationId": "listSubscriptions",
                "summary": "Every push subscription, with how far behind the feed's end each is.",
                "parameters": with_region([]),
                "responses": {"200": json_body(ref("SubscriptionList")), **errors()},
            },
        },
        "/subscriptions/{id}": {
            "get": {
                "operationId": "getSubscription",
                "summary": "One push subscription.",
                "parameters": with_region([ID]),
                "responses": {"200": json_body(ref("Subscription")), **errors(), **NOT_FOUND},
            },
            "delete": state_change(
                {
                    "operationId": "deleteSubscription",
                    "summary": "Stop pushing and forget the subscription (its secret with it).",
                    "parameters": with_region([ID]),
                    "responses": {"204": {"description": "Deleted."}, **errors(), **NOT_FOUND},
                }
            ),
        },
        "/subscriptions/{id}/resume": {
            "post": state_change(
                {
                    "operationId": "resumeSubscription",
                    "summary": "Resume a paused subscription from its cursor, due now: nothing it had not "
                    "received is skipped.",
                    "parameters": with_region([ID]),
                    "responses": {
                        "200": json_body(ref("Subscription")),
                        **errors(),
                        **NOT_FOUND,
                        "409": {"$ref": "#/components/responses/Conflict"},
                    },
                }
            )
        },
    }


def _create() -> Schema:
    operation = state_change(
        {
            "operationId": "createSubscription",
            "summary": "Push every event stored from now on (of the given types and region) to `url`, in "
            'batches of up to 100 feed items `{"items": [...]}`, in feed order, signed with Standard '
            "Webhooks headers (webhook-id, webhook-timestamp, webhook-signature). The answer holds the "
            "signing secret, shown this once.",
            "parameters": with_region([]),
            "responses": {"201": json_body(ref("NewSubscription")), **errors()},
        }
    )
    operation["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": _create_body()}},
    }
    return operation


def _create_body() -> Schema:
    return {
        "type": "object",
        "properties": {
            "url": {
                "type": "string",
                "description": "http or https, without user name or password. Loopback and private "
                "addresses are allowed; MAILHOOK_SUBSCRIPTION_ALLOWED_HOSTS narrows the hosts.",
            },
            # Case-insensitive, as everywhere in the API: the values are listed in words, not as an enum.
            "types": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
                "description": f"Event types to push, case-insensitive: {', '.join(EventType)}. Every type "
                "when left out.",
            },
            "region": {
                "type": "string",
                "description": f"Only this region's events ({', '.join(REGIONS)}, case-insensitive). With "
                "the EU region's data in a database of its own, a region is required, here or as the query's "
                "`region` (the subscription is kept in that region's database).",
            },
        },
        "required": ["url"],
        "additionalProperties": False,
    }


def schemas() -> dict[str, Any]:
    properties = _properties()
    secret = {
        "type": "string",
        "description": "`whsec_` + base64 of the HMAC key's bytes (Standard Webhooks). Shown only here.",
    }
    return {
        "Subscription": object_schema(properties),
        "NewSubscription": object_schema({**properties, "secret": secret}),
        "SubscriptionList": object_schema({"items": {"type": "array", "items": ref("Subscription")}}),
    }


def _properties() -> dict[str, Any]:
    maybe_time = {**time_out(), "type": ["string", "null"]}
    return {
        "id": {"type": "integer"},
        "url": {"type": "string"},
        "types": {"type": ["array", "null"], "items": {"enum": [*EventType]}},
        "region": {"enum": [*REGIONS, None]},
        "status": {
            "enum": list(STATUSES),
            "description": "`paused` after failing for MAILHOOK_PUSH_PAUSE_AFTER_SECONDS; see last_error.",
        },
        "attempts": {"type": "integer", "minimum": 0, "description": "Failed tries of the batch out now."},
        "failing_since": maybe_time,
        "last_error": nullable("string"),
        "next_attempt_at": time_out(),
        "delivered_at": {**maybe_time, "description": "The last 2xx."},
        "created_at": time_out(),
        "updated_at": time_out(),
        "feed_position": {
            "type": "string",
            "description": "The feed position delivered through, usable as GET /feed's `after`.",
        },
        "lag": object_schema(
            {
                "items": {"type": "integer", "minimum": 0, "description": "Events still to push."},
                "seconds": {
                    "type": "number",
                    "minimum": 0,
                    "description": "Age of the oldest event still to push; 0 when caught up.",
                },
            }
        ),
    }
