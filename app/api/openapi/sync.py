"""The OpenAPI description of the sync endpoints (/suppressions, /sync-actions) and of what they add to
GET /recipients/{address}; merged into the document by app.api.openapi.document.

It names the shared components (parameters limit/cursor/region/domain, responses) by reference only.
"""

from __future__ import annotations

from typing import Any

from app.api.openapi.parts import (
    errors,
    get_operation,
    json_body,
    nullable,
    object_schema,
    page,
    paging,
    path_param,
    query_param,
    ref,
    state_change,
    time_out,
    with_region,
)
from app.core.models.sync_vocab import SuppressionKind, SuppressionState, SyncActionKind, SyncActionStatus
from app.core.regions import REGIONS


def paths() -> dict[str, Any]:
    return {
        "/suppressions": {
            "get": get_operation(
                "listSuppressions",
                "The local view of suppressions per (region, domain, address, kind), newest first: "
                "observed on a domain by Mailgun, or copied by the sync to the other domains of its region.",
                "SuppressionPage",
                [
                    query_param("address", "Address, case-insensitive."),
                    {"$ref": "#/components/parameters/domain"},
                    {"$ref": "#/components/parameters/region"},
                    query_param("kind", f"Case-insensitive: {', '.join(SuppressionKind)}."),
                    query_param("state", f"Case-insensitive: {', '.join(SuppressionState)}."),
                    *paging(),
                ],
            )
        },
        "/sync-actions": {
            "get": get_operation(
                "listSyncActions",
                "The outbox of calls back to Mailgun, newest first.",
                "SyncActionPage",
                [
                    query_param("status", f"Case-insensitive: {', '.join(SyncActionStatus)}."),
                    {"$ref": "#/components/parameters/region"},
                    *paging(),
                ],
            )
        },
        "/sync-actions/{id}/retry": {
            "post": state_change(
                {
                    "operationId": "retrySyncAction",
                    "summary": "Put a failed or dead action back to pending, attempts reset, due now; the "
                    "region's next push sends it.",
                    "parameters": with_region([path_param("id", "The action's id.")]),
                    "responses": {
                        "200": json_body(ref("SyncAction")),
                        **errors(),
                        "404": {"$ref": "#/components/responses/NotFound"},
                        "409": {"$ref": "#/components/responses/Conflict"},
                    },
                }
            )
        },
    }


def schemas() -> dict[str, Any]:
    return {
        "Suppression": object_schema(_suppression_properties()),
        "SuppressionPage": page("Suppression"),
        "SyncAction": object_schema(_action_properties()),
        "SyncActionPage": page("SyncAction"),
        "ListMembership": object_schema(
            {
                "region": {"enum": list(REGIONS)},
                "list_address": {"type": "string"},
                "subscribed": {"type": "boolean"},
                "refreshed_at": time_out(),
            }
        ),
    }


def recipient_properties() -> dict[str, Any]:
    """What GET /recipients/{address} adds to its summary."""
    return {
        "suppressions": {"type": "array", "items": ref("Suppression")},
        "lists": {
            "type": "array",
            "items": ref("ListMembership"),
            "description": "The mirrored mailing lists of each region having the address.",
        },
    }


def _suppression_properties() -> dict[str, Any]:
    return {
        "id": {"type": "integer"},
        "region": {"enum": list(REGIONS)},
        "domain": {"type": "string"},
        "address": {"type": "string"},
        "kind": {"enum": [*SuppressionKind]},
        "state": {"enum": [*SuppressionState]},
        "source_event_id": nullable("integer"),
        "synced_at": {**time_out(), "type": ["string", "null"]},
        "updated_at": time_out(),
    }


def _action_properties() -> dict[str, Any]:
    return {
        "id": {"type": "integer"},
        "region": {"enum": list(REGIONS)},
        "kind": {"enum": [*SyncActionKind]},
        "domain": nullable("string"),
        "list_address": nullable("string"),
        "address": {"type": "string"},
        "payload": {"type": "object", "description": "The Mailgun record fields besides the address."},
        "status": {"enum": [*SyncActionStatus]},
        "attempts": {"type": "integer", "minimum": 0},
        "next_attempt_at": time_out(),
        "last_error": nullable("string"),
        "event_id": nullable("integer"),
        "created_at": time_out(),
        "updated_at": time_out(),
    }
