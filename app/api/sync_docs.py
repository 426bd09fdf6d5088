"""The OpenAPI description of the sync endpoints (/suppressions, /sync-actions) and of what they add to
GET /recipients/{address}; merged into the document by app.api.openapi.

It names the shared components (parameters limit/cursor/region/domain, responses) by reference only, so it
imports nothing from openapi.py.
"""

from __future__ import annotations

from typing import Any

from app.models.sync import ACTION_KINDS, ACTION_STATUSES, SUPPRESSION_KINDS, SUPPRESSION_STATES
from app.regions import REGIONS

Schema = dict[str, Any]


def paths() -> dict[str, Any]:
    return {
        "/suppressions": {
            "get": _get(
                "listSuppressions",
                "The local view of suppressions per (region, domain, address, kind), newest first: "
                "observed on a domain by Mailgun, or copied by the sync to the other domains of its region.",
                "SuppressionPage",
                [
                    _query("address", "Address, case-insensitive."),
                    {"$ref": "#/components/parameters/domain"},
                    {"$ref": "#/components/parameters/region"},
                    _query("kind", f"Case-insensitive: {', '.join(SUPPRESSION_KINDS)}."),
                    _query("state", f"Case-insensitive: {', '.join(SUPPRESSION_STATES)}."),
                    *_paging(),
                ],
            )
        },
        "/sync-actions": {
            "get": _get(
                "listSyncActions",
                "The outbox of calls back to Mailgun, newest first.",
                "SyncActionPage",
                [
                    _query("status", f"Case-insensitive: {', '.join(ACTION_STATUSES)}."),
                    {"$ref": "#/components/parameters/region"},
                    *_paging(),
                ],
            )
        },
        "/sync-actions/{id}/retry": {
            "post": {
                "operationId": "retrySyncAction",
                "summary": "Put a failed or dead action back to pending, attempts reset, due now; the "
                "region's next push sends it.",
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "description": "The action's id.",
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": _json(_ref("SyncAction")),
                    **_errors(),
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "409": {"$ref": "#/components/responses/Conflict"},
                },
            }
        },
    }


def schemas() -> dict[str, Any]:
    return {
        "Suppression": _object(_suppression_properties()),
        "SuppressionPage": _page("Suppression"),
        "SyncAction": _object(_action_properties()),
        "SyncActionPage": _page("SyncAction"),
        "ListMembership": _object(
            {
                "region": {"enum": list(REGIONS)},
                "list_address": {"type": "string"},
                "subscribed": {"type": "boolean"},
                "refreshed_at": _time(),
            }
        ),
    }


def recipient_properties() -> dict[str, Any]:
    """What GET /recipients/{address} adds to its summary."""
    return {
        "suppressions": {"type": "array", "items": _ref("Suppression")},
        "lists": {
            "type": "array",
            "items": _ref("ListMembership"),
            "description": "The mirrored mailing lists of each region having the address.",
        },
    }


def _suppression_properties() -> dict[str, Any]:
    return {
        "id": {"type": "integer"},
        "region": {"enum": list(REGIONS)},
        "domain": {"type": "string"},
        "address": {"type": "string"},
        "kind": {"enum": list(SUPPRESSION_KINDS)},
        "state": {"enum": list(SUPPRESSION_STATES)},
        "source_event_id": _nullable("integer"),
        "synced_at": {**_time(), "type": ["string", "null"]},
        "updated_at": _time(),
    }


def _action_properties() -> dict[str, Any]:
    return {
        "id": {"type": "integer"},
        "region": {"enum": list(REGIONS)},
        "kind": {"enum": list(ACTION_KINDS)},
        "domain": _nullable("string"),
        "list_address": _nullable("string"),
        "address": {"type": "string"},
        "payload": {"type": "object", "description": "The Mailgun record fields besides the address."},
        "status": {"enum": list(ACTION_STATUSES)},
        "attempts": {"type": "integer", "minimum": 0},
        "next_attempt_at": _time(),
        "last_error": _nullable("string"),
        "event_id": _nullable("integer"),
        "created_at": _time(),
        "updated_at": _time(),
    }


def _get(operation: str, summary: str, schema: str, parameters: list[Schema]) -> Schema:
    return {
        "operationId": operation,
        "summary": summary,
        "parameters": parameters,
        "responses": {"200": _json(_ref(schema)), **_errors()},
    }


def _paging() -> list[Schema]:
    return [{"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/cursor"}]


def _query(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }


def _errors() -> dict[str, Any]:
    return {
        code: {"$ref": f"#/components/responses/{name}"}
        for code, name in (("400", "BadRequest"), ("401", "Unauthorized"), ("default", "ServerError"))
    }


def _page(item: str) -> Schema:
    return _object({"items": {"type": "array", "items": _ref(item)}, "next_cursor": _nullable("string")})


def _object(properties: dict[str, Any]) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _json(schema: Schema) -> Schema:
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def _nullable(kind: str) -> Schema:
    return {"type": [kind, "null"]}


def _time() -> Schema:
    return {"type": "string", "format": "date-time", "description": "RFC 3339, UTC."}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}
