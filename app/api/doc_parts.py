"""Small builders for the OpenAPI document, shared by every module that describes part of the API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.regions import REGIONS

Schema = dict[str, Any]
REGION_REF: Schema = {"$ref": "#/components/parameters/region"}


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


def region_parameter(required: bool) -> Schema:
    """The `region` every operation but openapi.json takes; required when each region has its own database."""
    return {
        "name": "region",
        "in": "query",
        "required": required,
        # Values are matched case-insensitively, so the schema lists them in words rather than as an enum.
        "description": f"Mailgun region, case-insensitive: {', '.join(REGIONS)}. Selects the database the "
        "request reads or writes, and keeps only that region's rows where they carry one (inbound messages "
        "of unknown region included; dead letters are not filtered). Required when the EU region's data is "
        "kept in a database of its own (DATABASE_URL_EU): a 400 without it. Ids and cursors then belong to "
        "the region's database.",
        "schema": {"type": "string"},
    }


def with_region(parameters: Sequence[Schema]) -> list[Schema]:
    """An operation's parameters with the shared `region` one, once."""
    return [*parameters, *([] if REGION_REF in parameters else [REGION_REF])]


def state_change(operation: Schema) -> Schema:
    """A POST's shared parts: an optional empty JSON body, the cross-site refusals (app/api/cross_site.py)."""
    return {
        **operation,
        "requestBody": {
            "required": False,
            "description": "Nothing, or `{}` with `Content-Type: application/json`. A call without a JSON "
            "body needs a Bearer token (a browser form can send neither), so Basic callers send the JSON.",
            "content": {"application/json": {"schema": {"type": "object", "maxProperties": 0}}},
        },
        "responses": {
            **operation["responses"],
            "403": {"$ref": "#/components/responses/ForeignOrigin"},
            "415": {"$ref": "#/components/responses/JsonRequired"},
        },
    }
