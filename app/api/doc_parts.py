"""Small builders for the OpenAPI document, shared by every module that describes part of the API."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def object_schema(properties: dict[str, Any]) -> Schema:
    """A closed object: every listed property required, nothing else allowed."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def page(item: str) -> Schema:
    return object_schema({"items": {"type": "array", "items": ref(item)}, "next_cursor": nullable("string")})


def json_body(schema: Schema) -> Schema:
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def query_param(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }


def nullable(kind: str) -> Schema:
    return {"type": [kind, "null"]}


def time_out() -> Schema:
    return {"type": "string", "format": "date-time", "description": "RFC 3339, UTC."}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}
