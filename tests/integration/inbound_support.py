"""Helpers for the inbound tests: signed route POSTs through the Flask app, drains, and stored rows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import Engine, Table, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from app.core.models.inbound import InboundAttachmentRow, InboundMessageRow
from app.core.models.inbox import InboxRow
from app.core.settings import Settings
from tests.conftest import payload, sign
from workers.events.drain import BatchResult, drain_batch
from workers.events.processors import Lane

messages = cast(Table, InboundMessageRow.__table__)
attachments = cast(Table, InboundAttachmentRow.__table__)
inbox = cast(Table, InboxRow.__table__)
SIGNATURE_FIELDS = ("timestamp", "token", "signature")
_PLACEHOLDER = re.compile(r"<file upload: ([^,]+), ([^ >]+)")
# Small but real file contents for the shared payload's placeholders.
PNG_BYTES = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00\xff" * 8


@dataclass(frozen=True)
class FilePart:
    name: str
    filename: str
    content_type: str
    content: bytes


def sample_parts(name: str) -> tuple[list[tuple[str, str]], list[FilePart]]:
    """A shared route-form payload as fields and real file parts, without its signature fields."""
    fields: list[tuple[str, str]] = []
    files: list[FilePart] = []
    for key, value in payload(name)["fields"].items():
        placeholder = _PLACEHOLDER.match(value)
        if placeholder:
            filename, ctype = placeholder.groups()
            content = PNG_BYTES if ctype == "image/png" else f"content of {filename}\n".encode()
            files.append(FilePart(key, filename, ctype, content))
        elif key not in SIGNATURE_FIELDS:
            fields.append((key, value))
    return fields, files


def post_route(
    app: Flask,
    fields: Sequence[tuple[str, str | bytes]],
    files: Sequence[FilePart] = (),
    *,
    path: str = "/inbound/mailgun",
    multipart: bool | None = None,
    token: str | None = None,
) -> tuple[TestResponse, str]:
    """POST the fields freshly signed: multipart when there are files (or asked), else urlencoded."""
    signature = sign(token=token)
    pairs: list[tuple[str, str | bytes]] = [*fields, *signature.items()]
    if multipart or (multipart is None and files):
        form: MultiDict[str, Any] = MultiDict(pairs)
        for part in files:
            form.add(
                part.name, FileStorage(_stream(part.content), part.filename, content_type=part.content_type)
            )
        boundary, body = encode_multipart(form)
        content_type = f"multipart/form-data; boundary={boundary}"
    else:
        body, content_type = urlencode(pairs).encode(), "application/x-www-form-urlencoded"
    response = app.test_client().post(path, data=body, content_type=content_type)
    return response, signature["token"]


def _stream(content: bytes) -> Any:
    from io import BytesIO

    return BytesIO(content)


def drain(engine: Engine, settings: Settings) -> BatchResult:
    """One claim of the inbound lane, where route posts are drained."""
    return drain_batch(engine, settings, lane=Lane.INBOUND)


def message_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(messages).order_by(messages.c.id)).mappings()]


def attachment_rows(engine: Engine, message_row_id: int) -> list[dict[str, Any]]:
    query = select(attachments).where(attachments.c.inbound_message_id == message_row_id)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query.order_by(attachments.c.n)).mappings()]


def inbox_row(engine: Engine, token: str) -> dict[str, Any]:
    with engine.connect() as connection:
        return dict(connection.execute(select(inbox).where(inbox.c.token == token)).mappings().one())


def set_pending(engine: Engine, token: str) -> None:
    """What a dead-letter replay does to the row."""
    with engine.begin() as connection:
        connection.execute(inbox.update().where(inbox.c.token == token).values(status="pending", error=None))


def mime_message(
    subject: str, message_id: str, files: Sequence[FilePart] = (), body: str = "Hello from the test."
) -> bytes:
    """A real multipart message: text and HTML bodies, then each file as an attachment."""
    from email.message import EmailMessage
    from email.policy import SMTP

    message = EmailMessage(policy=SMTP)
    message["From"] = "Alice Sender <alice@example.org>"
    message["To"] = "support@example.com"
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id}>"
    message["Date"] = "Tue, 03 Mar 2026 10:00:00 +0000"
    message.set_content(body)
    message.add_alternative(f"<p>{body}</p>", subtype="html")
    for part in files:
        maintype, subtype = part.content_type.split("/")
        message.add_attachment(part.content, maintype=maintype, subtype=subtype, filename=part.filename)
    return message.as_bytes()


def add_inbound_message(engine: Engine, recipient: str = "in@example.com") -> int:
    """A stored message with raw MIME and one attachment, written directly (no intake, no drain)."""
    from datetime import UTC, datetime

    from workers.inbound.parse import parse_mime
    from workers.inbound.rows import attachment_values, delivery_values, message_values

    raw = mime_message(
        "Seeded",
        f"seeded-{datetime.now(UTC).timestamp()}@example.org",
        [FilePart("attachment-1", "note.txt", "text/plain", b"note")],
    )
    message = parse_mime(raw)
    values = {**message_values(message), **delivery_values(0, None, datetime.now(UTC), "us")}
    values["recipient"] = recipient
    with engine.begin() as connection:
        row_id = int(
            connection.execute(messages.insert().values(values).returning(messages.c.id)).scalar_one()
        )
        connection.execute(attachments.insert(), attachment_values(row_id, message.attachments, 1024))
    return row_id


def release(app: Flask) -> None:
    """Close the intake's Postgres pool, which would otherwise hold a connection past the test."""
    app.extensions["mailhook"].close()
