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


TIME_IN = (
    "RFC 3339 with a zone (2025-01-31T12:00:00Z, 2025-01-31T13:00:00+01:00), RFC 2822 with a zone "
    "(Fri, 31 Jan 2025 12:00:00 +0000) or epoch seconds (1738324800)."
)


def get_operation(
    operation: str, summary: str, schema: str, parameters: Sequence[Any], not_found: bool = False
) -> Schema:
    """A GET answering one JSON schema. A parameter named by a string is the shared component of that name."""
    responses = {"200": json_body(ref(schema)), **errors()}
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    refs = [p if isinstance(p, dict) else {"$ref": f"#/components/parameters/{p}"} for p in parameters]
    return {
        "operationId": operation,
        "summary": summary,
        "parameters": with_region(refs),
        "responses": responses,
    }


def errors() -> dict[str, Any]:
    """The answers every operation may give besides its own."""
    return {
        code: {"$ref": f"#/components/responses/{name}"}
        for code, name in (("400", "BadRequest"), ("401", "Unauthorized"), ("default", "ServerError"))
    }


def path_param(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def paging() -> list[Schema]:
    return [{"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/cursor"}]
