"""GET /openapi.json: the OpenAPI 3.1 description of /api/v1, built from one module per resource beside it.

The tests validate real responses of every operation against this document, so a field added to a response
without being described here fails them (objects are closed with additionalProperties: false). Every operation
but this document's takes `region`, required when each region's data is kept in its own database, so the
document served depends on that one setting.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Response, jsonify, request

from app.api.openapi import dead_letters, events, feed, inbound, subscriptions, sync
from app.api.openapi.parts import errors, json_body, object_schema, ref, region_parameter
from app.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from app.api.params import read_args
from app.core.stores import split
from app.web.services import services


def openapi_document() -> Response:
    read_args(request.args.items(multi=True), ())
    return jsonify(document(split(services().settings)))


@cache
def document(region_required: bool = False) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mailhook internal API",
            "version": "1",
            "description": "Normalized Mailgun events, per-recipient summaries, stats, dead letters, "
            "inbound mail, the event feed and its push subscriptions.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"basic": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": _security_schemes(),
            "schemas": _schemas(),
            "parameters": _parameters(region_required),
            "responses": _responses(),
        },
    }


def _paths() -> dict[str, Any]:
    return {
        **events.paths(),
        **dead_letters.paths(),
        **inbound.paths(),
        **sync.paths(),
        **feed.paths(),
        **subscriptions.paths(),
        "/openapi.json": {
            "get": {
                "operationId": "openapiDocument",
                "summary": "This document.",
                "responses": {"200": json_body({"type": "object"}), **errors()},
            }
        },
        "/docs": {
            "get": {
                "operationId": "apiReference",
                "summary": "This document as a page to read (Redoc, served from here: no outside request).",
                "description": "Opens with an API token, or in a browser signed in at /dashboard/login. The "
                "page loads /docs/redoc.standalone.js and /docs/openapi.json (this document) the same way.",
                "responses": {
                    "200": {"description": "OK", "content": {"text/html": {"schema": {"type": "string"}}}},
                    **errors(),
                },
            }
        },
    }


def _schemas() -> dict[str, Any]:
    return {
        # `message` on top is Mailgun's own error shape; `error.code` is the stable, machine-readable part.
        "Error": object_schema(
            {
                "message": {"type": "string", "description": "What went wrong, in words."},
                "error": object_schema({"code": {"type": "string"}, "message": {"type": "string"}}),
            }
        ),
        **events.schemas(),
        **dead_letters.schemas(),
        **inbound.schemas(),
        **sync.schemas(),
        **feed.schemas(events.event_properties()),
        **subscriptions.schemas(),
    }


def _security_schemes() -> dict[str, Any]:
    return {
        "bearer": {"type": "http", "scheme": "bearer", "description": "An API token."},
        "basic": {
            "type": "http",
            "scheme": "basic",
            "description": "User `api`, the API token as password. Never offered in a 401 challenge; "
            "state-changing calls with it send `Content-Type: application/json`.",
        },
    }


def _parameters(region_required: bool) -> dict[str, Any]:
    """The shared parameters: the event filters, `region`, and the paging every list takes."""
    return {
        **events.parameters(),
        "region": region_parameter(region_required),
        "limit": {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": f"Page size, default {DEFAULT_LIMIT}.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        },
        "cursor": events.query("cursor", "The next_cursor of the previous page."),
    }


def _responses() -> dict[str, Any]:
    described = {
        "BadRequest": "A bad, unknown or repeated parameter, or no `region` while each region's data is "
        "kept in its own database.",
        "Unauthorized": "No valid API token. The challenge is `WWW-Authenticate: Bearer` only, so browsers "
        "never prompt for (and cache) Basic credentials; Basic is still accepted when sent.",
        "ForeignOrigin": "A state-changing call whose Origin (or Sec-Fetch-Site) is not this service's own.",
        "JsonRequired": "A state-changing call with a body a browser form could send (urlencoded, multipart, "
        "text/plain), or with no body and no Bearer token.",
        "NotFound": "No such resource.",
        "Conflict": "The resource is not in a state that allows this.",
        "ServerError": "The store, or the read replica a listing reads, is unavailable (503, with "
        "Retry-After), or another server error.",
    }
    return {name: {**json_body(ref("Error")), "description": text} for name, text in described.items()}
