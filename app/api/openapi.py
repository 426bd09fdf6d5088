"""GET /openapi.json: the OpenAPI 3.1 description of /api/v1, built here next to the code it describes.

The tests validate real responses of every operation against this document, so a field added to a response
without being described here fails them (objects are closed with additionalProperties: false). Every operation
but this document's takes `region`, required when each region's data is kept in its own database, so the
document served depends on that one setting.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Response, jsonify, request

from app.api import events, feed_docs, sync_docs
from app.api.doc_parts import (
    Schema,
    json_body,
    nullable,
    object_schema,
    page,
    query_param,
    ref,
    region_parameter,
    state_change,
    time_out,
    with_region,
)
from app.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from app.api.params import read_args
from app.core.models.events_vocab import EventSource, EventType
from app.core.models.inbound import FETCH_STATUSES
from app.core.models.inbox_vocab import InboxKind, InboxStatus
from app.core.regions import REGIONS
from app.core.stores import split
from app.web.services import services

TIME_IN = (
    "RFC 3339 with a zone (2025-01-31T12:00:00Z, 2025-01-31T13:00:00+01:00), RFC 2822 with a zone "
    "(Fri, 31 Jan 2025 12:00:00 +0000) or epoch seconds (1738324800)."
)


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
            "description": "Normalized Mailgun events, per-recipient summaries, stats, dead letters and "
            "inbound mail.",
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
    lists = ["limit", "cursor"]
    return {
        "/events": {
            "get": _get(
                "listEvents",
                "Events, newest first.",
                "EventPage",
                list(events.LIST_PARAMS),  # the very list the view accepts, so doc and view cannot drift
            )
        },
        "/events/{id}": {
            "get": _get(
                "getEvent",
                "One event with its raw payload.",
                "EventDetail",
                [_path_param("id", "The event's id.")],
                not_found=True,
            )
        },
        "/messages/{message_id}/events": {
            "get": _get(
                "messageTimeline",
                "One message's events, oldest first.",
                "EventPage",
                [
                    _path_param("message_id", "The Message-Id, angle brackets optional."),
                    "since",
                    "until",
                    *lists,
                ],
            )
        },
        "/recipients/{address}": {
            "get": _get(
                "recipientSummary",
                "Counts and the latest event per type for one address (case-insensitive).",
                "RecipientSummary",
                [_path_param("address", "The recipient's email address.")],
                not_found=True,
            )
        },
        "/stats": {
            "get": _get(
                "eventStats",
                "Event counts per type per UTC hour or day.",
                "Stats",
                ["domain", "region", "since", "until", "interval"],
            )
        },
        "/dead-letters": {
            "get": _get(
                "listDeadLetters",
                "Inbox rows that could not be processed, newest first.",
                "DeadLetterPage",
                lists,
            )
        },
        "/dead-letters/{id}/replay": {"post": _replay()},
        "/inbound": {
            "get": _get(
                "listInbound",
                "Inbound messages, newest first by received_at.",
                "InboundPage",
                [
                    "recipient",
                    query_param("sender", "Envelope sender, case-insensitive."),
                    query_param("since", f"Inclusive lower bound on received_at: {TIME_IN}"),
                    query_param("until", f"Exclusive upper bound on received_at: {TIME_IN}"),
                    *lists,
                ],
            )
        },
        "/inbound/{id}": {
            "get": _get(
                "getInbound",
                "One inbound message: headers, bodies, attachment list.",
                "InboundDetail",
                [_path_param("id", "The message's id.")],
                not_found=True,
            )
        },
        "/inbound/{id}/raw": {
            "get": _download(
                "getInboundRaw",
                "The raw MIME as Mailgun sent it (404 no_raw_mime when it sent parsed parts).",
                "message/rfc822",
                [_path_param("id", "The message's id.")],
            )
        },
        "/inbound/{id}/attachments/{n}": {
            "get": _download(
                "getInboundAttachment",
                "One attachment's content, in its own content type, as an attachment "
                "(nosniff, sandboxed). 404 content_not_kept when it was over MAILHOOK_ATTACHMENT_MAX_BYTES.",
                "*/*",
                [
                    _path_param("id", "The message's id."),
                    _path_param("n", "The attachment's number, from 1."),
                ],
            )
        },
        **sync_docs.paths(),
        **feed_docs.paths(),
        "/openapi.json": {
            "get": {
                "operationId": "openapiDocument",
                "summary": "This document.",
                "responses": {"200": json_body({"type": "object"}), **_errors()},
            }
        },
    }


def _get(operation: str, summary: str, schema: str, parameters: list[Any], not_found: bool = False) -> Schema:
    responses = {"200": json_body(ref(schema)), **_errors()}
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    refs = [p if isinstance(p, dict) else {"$ref": f"#/components/parameters/{p}"} for p in parameters]
    return {
        "operationId": operation,
        "summary": summary,
        "parameters": with_region(refs),
        "responses": responses,
    }


def _replay() -> Schema:
    return state_change(
        {
            "operationId": "replayDeadLetter",
            "summary": "Put a dead letter back to pending (error cleared) and wake the drain worker.",
            "parameters": with_region([_path_param("id", "The inbox row's id.")]),
            "responses": {
                "200": json_body(ref("DeadLetter")),
                **_errors(),
                "404": {"$ref": "#/components/responses/NotFound"},
                "409": {"$ref": "#/components/responses/Conflict"},
            },
        }
    )


def _download(operation: str, summary: str, media_type: str, parameters: list[Any]) -> Schema:
    # OpenAPI 3.1 describes a binary body by its media type alone: no schema, the bytes are as they are.
    content: Schema = {media_type: {}}
    headers = {
        name: {"schema": {"type": "string"}, "description": text}
        for name, text in (
            ("Content-Disposition", "Always `attachment`, with the file name."),
            ("X-Content-Type-Options", "Always `nosniff`."),
        )
    }
    return {
        "operationId": operation,
        "summary": summary,
        "parameters": with_region(parameters),
        "responses": {
            "200": {"description": "OK", "headers": headers, "content": content},
            **_errors(),
            "404": {"$ref": "#/components/responses/NotFound"},
        },
    }


def _errors() -> dict[str, Any]:
    return {
        code: {"$ref": f"#/components/responses/{name}"}
        for code, name in (("400", "BadRequest"), ("401", "Unauthorized"), ("default", "ServerError"))
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


def _schemas() -> dict[str, Any]:
    return {
        "Error": object_schema(
            {"error": object_schema({"code": {"type": "string"}, "message": {"type": "string"}})}
        ),
        "Event": object_schema(_event_properties()),
        "EventDetail": object_schema({**_event_properties(), "payload": {"type": "object"}}),
        "EventPage": page("Event"),
        "RecipientSummary": object_schema(
            {
                "address": {"type": "string"},
                "total": {"type": "integer", "minimum": 1},
                "counts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}},
                "last": {"type": "object", "additionalProperties": ref("Event")},
                **sync_docs.recipient_properties(),
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
        "DeadLetter": object_schema(_dead_letter_properties()),
        "DeadLetterPage": page("DeadLetter"),
        "InboundSummary": object_schema(_inbound_properties()),
        "InboundDetail": object_schema({**_inbound_properties(), **_inbound_detail_properties()}),
        "InboundAttachment": object_schema(_attachment_properties()),
        "InboundPage": page("InboundSummary"),
        **sync_docs.schemas(),
        **feed_docs.schemas(_event_properties()),
    }


def _event_properties() -> dict[str, Any]:
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


def _inbound_properties() -> dict[str, Any]:
    nullable_text = nullable("string")
    return {
        "id": {"type": "integer"},
        "received_at": time_out(),
        "region": {"enum": [*REGIONS, None]},
        "domain": nullable_text,
        "recipient": nullable_text,
        "sender": nullable_text,
        "from_name": nullable_text,
        "from_address": nullable_text,
        "subject": nullable_text,
        "date": {**time_out(), "type": ["string", "null"], "description": "The Date header, in UTC."},
        "message_id": nullable_text,
        "fetch_status": {
            "enum": [*FETCH_STATUSES, None],
            "description": "store() notifications only: the stored message's fetch.",
        },
    }


def _inbound_detail_properties() -> dict[str, Any]:
    nullable_text, texts = nullable("string"), {"type": "array", "items": {"type": "string"}}
    return {
        "to": texts,
        "cc": texts,
        "in_reply_to": nullable_text,
        "references": texts,
        "headers": {
            "type": "array",
            "items": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
        },
        "body_text": nullable_text,
        "body_html": nullable_text,
        "stripped_text": nullable_text,
        "stripped_html": nullable_text,
        "stripped_signature": nullable_text,
        "spam_flag": nullable("boolean"),
        "spam_score": nullable("number"),
        "storage_url": nullable_text,
        "stored_attachments": {
            "type": "array",
            "items": {"type": "object"},
            "description": "The attachments a store() notification listed (URLs).",
        },
        "content_hash": nullable_text,
        "fetch_attempts": {"type": "integer", "minimum": 0},
        "fetch_error": nullable_text,
        "fetched_at": {**time_out(), "type": ["string", "null"]},
        "raw_size": {"type": ["integer", "null"], "description": "Bytes of raw MIME kept; null when none."},
        "attachments": {"type": "array", "items": ref("InboundAttachment")},
    }


def _attachment_properties() -> dict[str, Any]:
    return {
        "n": {"type": "integer", "minimum": 1},
        "filename": nullable("string"),
        "content_type": {"type": "string"},
        "size": {"type": "integer", "minimum": 0},
        "inline": {"type": "boolean"},
        "content_id": nullable("string"),
        "sha256": {"type": "string"},
        "content_kept": {
            "type": "boolean",
            "description": "False when the attachment was over "
            "MAILHOOK_ATTACHMENT_MAX_BYTES: only its metadata and sha256 were kept.",
        },
    }


def _parameters(region_required: bool) -> dict[str, Any]:
    def query(name: str, description: str, **schema: Any) -> Schema:
        return {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": {"type": "string", **schema},
        }

    return {
        "recipient": query("recipient", "Recipient address, case-insensitive."),
        "domain": query("domain", "Sending domain, case-insensitive."),
        "region": region_parameter(region_required),
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
        "limit": {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": f"Page size, default {DEFAULT_LIMIT}.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        },
        "cursor": query("cursor", "The next_cursor of the previous page."),
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
        "ServerError": "The store is unavailable (503) or another server error.",
    }
    return {name: {**json_body(ref("Error")), "description": text} for name, text in described.items()}


def _path_param(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }
