"""The OpenAPI description of /inbound: inbound messages as parsed, their raw MIME and attachments."""

from __future__ import annotations

from typing import Any

from app.api.openapi.parts import (
    TIME_IN,
    Schema,
    errors,
    get_operation,
    nullable,
    object_schema,
    page,
    path_param,
    query_param,
    ref,
    time_out,
    with_region,
)
from app.core.models.inbound import FETCH_STATUSES
from app.core.regions import REGIONS


def paths() -> dict[str, Any]:
    return {
        "/inbound": {
            "get": get_operation(
                "listInbound",
                "Inbound messages, newest first by received_at.",
                "InboundPage",
                [
                    "recipient",
                    query_param("sender", "Envelope sender, case-insensitive."),
                    query_param("since", f"Inclusive lower bound on received_at: {TIME_IN}"),
                    query_param("until", f"Exclusive upper bound on received_at: {TIME_IN}"),
                    "limit",
                    "cursor",
                ],
            )
        },
        "/inbound/{id}": {
            "get": get_operation(
                "getInbound",
                "One inbound message: headers, bodies, attachment list.",
                "InboundDetail",
                [path_param("id", "The message's id.")],
                not_found=True,
            )
        },
        "/inbound/{id}/raw": {
            "get": _download(
                "getInboundRaw",
                "The raw MIME as Mailgun sent it (404 no_raw_mime when it sent parsed parts).",
                "message/rfc822",
                [path_param("id", "The message's id.")],
            )
        },
        "/inbound/{id}/attachments/{n}": {
            "get": _download(
                "getInboundAttachment",
                "One attachment's content, in its own content type, as an attachment "
                "(nosniff, sandboxed). 404 content_not_kept when it was over MAILHOOK_ATTACHMENT_MAX_BYTES.",
                "*/*",
                [
                    path_param("id", "The message's id."),
                    path_param("n", "The attachment's number, from 1."),
                ],
            )
        },
    }


def schemas() -> dict[str, Any]:
    return {
        "InboundSummary": object_schema(_inbound_properties()),
        "InboundDetail": object_schema({**_inbound_properties(), **_inbound_detail_properties()}),
        "InboundAttachment": object_schema(_attachment_properties()),
        "InboundPage": page("InboundSummary"),
    }


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
            **errors(),
            "404": {"$ref": "#/components/responses/NotFound"},
        },
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
