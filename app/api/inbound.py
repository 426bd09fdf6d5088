"""GET /inbound, /inbound/{id}, /inbound/{id}/raw, /inbound/{id}/attachments/{n}: stored inbound mail.

Lists walk (received_at, id) newest first. Downloads are the sender's bytes: they are served as attachments,
with nosniff and a sandboxing Content-Security-Policy, so an HTML part opened from the API cannot run script
in an operator's browser under this origin.

`region` also keeps messages whose region was never known (region null): they are stored in the primary
database, and a region-scoped view that dropped them would leave them reachable by no request at all.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast
from urllib.parse import quote

from flask import Response, jsonify, request
from sqlalchemy import ColumnElement, RowMapping, Select, Table, bindparam, func, select, tuple_

from app.api.bounds import MAX_INTEGER
from app.api.pagination import decode_time_cursor, encode_time_cursor, page_of, parse_limit
from app.api.params import Args, lower_arg, path_id, read_args, time_range
from app.api.problems import ApiError, not_found
from app.api.scope import REGION, Scope, request_scope
from app.core.models.base import BigId, UTCDateTime
from app.core.models.inbound import InboundAttachmentRow, InboundMessageRow
from app.core.timeparse import format_time

messages = cast(Table, InboundMessageRow.__table__)
attachments = cast(Table, InboundAttachmentRow.__table__)
LISTING = "inbound"
LIST_PARAMS = ("recipient", "sender", "since", "until", "limit", "cursor", REGION)
SUMMARY_COLUMNS = (
    messages.c.id, messages.c.received_at, messages.c.region, messages.c.domain, messages.c.recipient,
    messages.c.sender, messages.c.from_name, messages.c.from_address, messages.c.subject, messages.c.date,
    messages.c.message_id, messages.c.fetch_status,
)  # fmt: skip
DETAIL_COLUMNS = (
    *SUMMARY_COLUMNS, messages.c.to_addresses.label("to"), messages.c.cc_addresses.label("cc"),
    messages.c.in_reply_to, messages.c.reference_ids.label("references"), messages.c.headers,
    messages.c.body_text, messages.c.body_html, messages.c.stripped_text, messages.c.stripped_html,
    messages.c.stripped_signature, messages.c.spam_flag, messages.c.spam_score, messages.c.storage_url,
    messages.c.stored_attachments, messages.c.content_hash, messages.c.fetch_attempts, messages.c.fetch_error,
    messages.c.fetched_at, func.length(messages.c.raw_mime).label("raw_size"),
)  # fmt: skip
ATTACHMENT_COLUMNS = (
    attachments.c.n, attachments.c.filename, attachments.c.content_type, attachments.c.size,
    attachments.c.inline, attachments.c.content_id, attachments.c.sha256,
    attachments.c.content.is_not(None).label("content_kept"),
)  # fmt: skip
TIME_FIELDS = ("received_at", "date", "fetched_at")
_MEDIA_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+", re.ASCII)
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f"\\]')
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


def list_inbound() -> Response:
    args = read_args(request.args.items(multi=True), LIST_PARAMS)
    scope = request_scope(args)
    limit = parse_limit(args.get("limit"))
    after = decode_time_cursor(LISTING, args["cursor"]) if "cursor" in args else None
    conditions = [*_conditions(args), *_in_scope(scope)]
    with scope.read_engine.connect() as connection:
        fetched = connection.execute(_list_query(conditions, after, limit + 1)).mappings().all()
    rows, next_cursor = page_of(
        fetched, limit, lambda row: encode_time_cursor(LISTING, row["received_at"], row["id"])
    )
    return jsonify({"items": [_item(row) for row in rows], "next_cursor": next_cursor})


def get_inbound(message_id: str) -> Response:
    scope = request_scope(read_args(request.args.items(multi=True), (REGION,)))
    row_id = path_id(message_id, "inbound message")
    with scope.read_engine.connect() as connection:
        found = select(*DETAIL_COLUMNS).where(messages.c.id == row_id, *_in_scope(scope))
        row = connection.execute(found).mappings().first()
        if row is None:
            raise not_found("inbound message")
        query = select(*ATTACHMENT_COLUMNS).where(attachments.c.inbound_message_id == row_id)
        listed = connection.execute(query.order_by(attachments.c.n)).mappings().all()
    return jsonify({**_item(row), "attachments": [_attachment_item(item) for item in listed]})


def get_inbound_raw(message_id: str) -> Response:
    scope = request_scope(read_args(request.args.items(multi=True), (REGION,)))
    row_id = path_id(message_id, "inbound message")
    with scope.read_engine.connect() as connection:
        found = select(messages.c.raw_mime).where(messages.c.id == row_id, *_in_scope(scope))
        row = connection.execute(found).first()
    if row is None:
        raise not_found("inbound message")
    if row.raw_mime is None:
        raise ApiError(404, "no_raw_mime", "Mailgun sent this message as parsed parts: no raw MIME was kept")
    return download(row.raw_mime, "message/rfc822", f"inbound-{row_id}.eml")


def get_inbound_attachment(message_id: str, n: str) -> Response:
    scope = request_scope(read_args(request.args.items(multi=True), (REGION,)))
    row_id, number = path_id(message_id, "inbound message"), path_id(n, "attachment", MAX_INTEGER)
    query = select(attachments.c.filename, attachments.c.content_type, attachments.c.size,
                   attachments.c.content)  # fmt: skip
    if scope.region is not None:
        query = query.join(messages, messages.c.id == attachments.c.inbound_message_id)
    with scope.read_engine.connect() as connection:
        found = query.where(
            attachments.c.inbound_message_id == row_id, attachments.c.n == number, *_in_scope(scope)
        )
        row = connection.execute(found).first()
    if row is None:
        raise not_found("attachment")
    if row.content is None:
        raise ApiError(
            404,
            "content_not_kept",
            f"attachment {number} is {row.size} bytes, over "
            "MAILHOOK_ATTACHMENT_MAX_BYTES when stored: only its metadata and sha256 were kept",
        )
    return download(row.content, row.content_type, row.filename or f"attachment-{number}")


def download(content: bytes, content_type: str, filename: str) -> Response:
    media_type = content_type if _MEDIA_TYPE.fullmatch(content_type or "") else "application/octet-stream"
    response = Response(bytes(content), status=200, content_type=media_type)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers.update(DOWNLOAD_HEADERS)
    return response


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name in RFC 5987 form."""
    fallback = _UNSAFE_FILENAME.sub("_", filename.encode("ascii", "replace").decode()).replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _conditions(args: Args) -> list[ColumnElement[bool]]:
    since, until = time_range(args)
    conditions = []
    if since is not None:
        conditions.append(messages.c.received_at >= since)
    if until is not None:
        conditions.append(messages.c.received_at < until)
    for name in ("recipient", "sender"):
        value = lower_arg(args, name)
        if value is not None:
            conditions.append(messages.c[name] == value)
    return conditions


def _in_scope(scope: Scope) -> list[ColumnElement[bool]]:
    return scope.only_or_unknown(messages.c.region)


def _list_query(
    conditions: list[ColumnElement[bool]], after: tuple[datetime, int] | None, limit: int
) -> Select[Any]:
    query = select(*SUMMARY_COLUMNS).where(*conditions)
    if after is not None:
        # Typed binds: SQLite compares the stored text form, which only UTCDateTime knows how to write.
        position = tuple_(bindparam("after_at", after[0], type_=UTCDateTime()),
                          bindparam("after_id", after[1], type_=BigId))  # fmt: skip
        query = query.where(tuple_(messages.c.received_at, messages.c.id) < position)
    return query.order_by(messages.c.received_at.desc(), messages.c.id.desc()).limit(limit)


def _item(row: RowMapping) -> dict[str, Any]:
    item = dict(row)
    for name in TIME_FIELDS:
        if item.get(name) is not None:
            item[name] = format_time(item[name])
    return item


def _attachment_item(row: RowMapping) -> dict[str, Any]:
    return {**row, "content_kept": bool(row["content_kept"])}
