"""The OpenAPI description of GET /feed; merged into the document by app.api.openapi.document, which hands
over the event item's properties (the feed's items are events plus their position)."""

from __future__ import annotations

from typing import Any

from app.api.feed_params import AFTER, DEFAULT_LIMIT, MAX_LIMIT, MAX_WAIT_SECONDS
from app.api.openapi.parts import Schema, json_body, object_schema, query_param, ref, with_region

SUMMARY = (
    "Every stored event exactly once, in the order they became visible: follow `next_cursor` and nothing is "
    "ever missed, whatever order concurrent writers commit in. Late events (Mailgun retries, Events API "
    "recoveries, replayed dead letters) come at the end when stored, whatever their occurred_at."
)


def paths() -> dict[str, Any]:
    parameters: list[Schema] = [
        query_param(
            AFTER,
            "A `next_cursor` or an item's `feed_position`: the feed continues just after it. Without it, the "
            "feed starts at the oldest event kept. 410 when retention has deleted events after it.",
        ),
        {
            "name": "wait",
            "in": "query",
            "required": False,
            "description": f"Long-poll up to this many seconds (0 to {MAX_WAIT_SECONDS}): with nothing new, "
            "answer as soon as an event is stored, or with no items when the time is up.",
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_WAIT_SECONDS, "default": 0},
        },
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": f"Page size, default {DEFAULT_LIMIT}.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        },
        {"$ref": "#/components/parameters/type"},
        {"$ref": "#/components/parameters/domain"},
    ]
    return {
        "/feed": {
            "get": {
                "operationId": "readFeed",
                "summary": SUMMARY,
                "parameters": with_region(parameters),
                "responses": {
                    "200": json_body(ref("FeedPage")),
                    **{
                        code: {"$ref": f"#/components/responses/{name}"}
                        for code, name in (
                            ("400", "BadRequest"),
                            ("401", "Unauthorized"),
                            ("default", "ServerError"),
                        )
                    },
                    "410": {
                        **json_body(ref("Error")),
                        "description": "`after` points before events that retention has deleted since: "
                        "some may be gone unread (code cursor_expired). Start again without `after`.",
                    },
                },
            }
        }
    }


def schemas(event_properties: dict[str, Any]) -> dict[str, Any]:
    position = {
        "type": "string",
        "description": "Opaque. Passed as `after`, the feed continues just after this item.",
    }
    return {
        "FeedItem": object_schema({**event_properties, "feed_position": position}),
        "FeedPage": object_schema(
            {
                "items": {"type": "array", "items": ref("FeedItem")},
                "next_cursor": {
                    "type": "string",
                    "description": "Always present, even with no items: passed as `after`, the feed "
                    "continues exactly after this page.",
                },
            }
        ),
    }
