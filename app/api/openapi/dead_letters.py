"""The OpenAPI description of /dead-letters: the inbox rows that could not be processed, and their replay."""

from __future__ import annotations

from typing import Any

from app.api.openapi.parts import (
    Schema,
    errors,
    get_operation,
    json_body,
    nullable,
    object_schema,
    page,
    path_param,
    ref,
    state_change,
    time_out,
    with_region,
)
from app.core.models.inbox_vocab import InboxKind, InboxStatus


def paths() -> dict[str, Any]:
    return {
        "/dead-letters": {
            "get": get_operation(
                "listDeadLetters",
                "Inbox rows that could not be processed, newest first.",
                "DeadLetterPage",
                ["limit", "cursor"],
            )
        },
        "/dead-letters/{id}/replay": {"post": _replay()},
    }


def schemas() -> dict[str, Any]:
    return {
        "DeadLetter": object_schema(_dead_letter_properties()),
        "DeadLetterPage": page("DeadLetter"),
    }


def _replay() -> Schema:
    return state_change(
        {
            "operationId": "replayDeadLetter",
            "summary": "Put a dead letter back to pending (error cleared) and wake the drain worker.",
            "parameters": with_region([path_param("id", "The inbox row's id.")]),
            "responses": {
                "200": json_body(ref("DeadLetter")),
                **errors(),
                "404": {"$ref": "#/components/responses/NotFound"},
                "409": {"$ref": "#/components/responses/Conflict"},
            },
        }
    )


def _dead_letter_properties() -> dict[str, Any]:
    return {
        "id": {"type": "integer"},
        "status": {"enum": [*InboxStatus]},
        "kind": {"enum": [*InboxKind]},
        "route": {"type": "string"},
        "received_at": time_out(),
        "error": nullable("string"),
        "attempts": {"type": "integer", "minimum": 0},
        "region_hint": nullable("string"),
        "domain_hint": nullable("string"),
        "content_type": {"type": "string"},
        "size": {"type": "integer", "minimum": 0, "description": "The body's size in bytes; never the body."},
    }
