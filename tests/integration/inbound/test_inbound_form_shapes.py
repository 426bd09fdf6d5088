"""Route POSTs in the exact multipart shapes django-anymail's inbound tests send, through the real intake, the
route form decoder and the drain: filenames with Windows paths, a filename ending in a backslash, and
content-id-maps with empty and repeated content ids.

The bodies are written by hand as Django's test client writes them: `filename="..."` with the name as given,
backslashes unescaped (no encoder between Mailgun and us escapes them either).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask
from sqlalchemy import Engine

from app.core.settings import Settings
from tests.conftest import sign
from tests.integration.inbound_support import attachment_rows, drain, message_rows

BOUNDARY = "BoUnDaRy"
EMAIL = b"From: a@example.org\r\nSubject: forwarded\r\n\r\nforwarded body\r\n"
ENVELOPE = [("recipient", "test@inbound.example.com"), ("message-headers", "[]")]


def django_multipart(
    fields: Sequence[tuple[str, str]], files: Sequence[tuple[str, str, str, bytes]]
) -> bytes:
    """Fields then (name, filename, content type, content) file parts, written like django.test.client."""
    lines: list[bytes] = []
    for name, value in fields:
        lines += [f"--{BOUNDARY}".encode(), f'Content-Disposition: form-data; name="{name}"'.encode(), b""]
        lines.append(value.encode())
    for name, filename, ctype, content in files:
        disposition = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'
        lines += [f"--{BOUNDARY}".encode(), disposition.encode(), f"Content-Type: {ctype}".encode(), b""]
        lines.append(content)
    lines += [f"--{BOUNDARY}--".encode(), b""]
    return b"\r\n".join(lines)


def post_and_drain(
    app: Flask, engine: Engine, settings: Settings, fields: Sequence[tuple[str, str]], files
) -> list[dict]:
    body = django_multipart([*fields, *sign().items()], files)
    response = app.test_client().post(
        "/inbound/mailgun", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    assert response.status_code == 200
    assert drain(engine, settings).dead == 0
    [message] = message_rows(engine)
    return attachment_rows(engine, message["id"])


def test_windows_path_keeps_its_last_component(app: Flask, engine: Engine, settings: Settings) -> None:
    stored = post_and_drain(
        app,
        engine,
        settings,
        [*ENVELOPE, ("attachment-count", "3"), ("content-id-map", '{"<abc123>": "attachment-2"}')],
        [
            ("attachment-1", "test.txt", "text/plain", b"test attachment"),
            ("attachment-2", "image.png", "image/png", b"\x89PNG\r\n\x1a\n"),
            ("attachment-3", "\\share\\mail\\forwarded.msg", 'message/rfc822; charset="us-ascii"', EMAIL),
        ],
    )

    summary = [(a["filename"], a["content_type"], a["inline"], a["content_id"]) for a in stored]
    assert summary == [
        ("test.txt", "text/plain", False, None),
        ("image.png", "image/png", True, "abc123"),
        ("forwarded.msg", "message/rfc822", False, None),
    ]
    assert stored[2]["content"] == EMAIL


def test_filtered_filenames_still_leave_attachments(app: Flask, engine: Engine, settings: Settings) -> None:
    # django-anymail's list, "path/" "." concatenated as in its source.
    names = ["", "path\\", "path/.", "path\\.", "path/.", "..", "path\\..", "path/.."]
    files = [(f"attachment-{n}", name, "text/pdf", b"content") for n, name in enumerate(names, start=1)]
    stored = post_and_drain(app, engine, settings, [*ENVELOPE, ("attachment-count", str(len(names)))], files)

    assert [(a["n"], a["filename"], a["content"]) for a in stored] == [
        (n, None, b"content") for n in range(1, len(names) + 1)
    ]


def test_every_content_id_map_entry_marks_its_attachment_inline(
    app: Flask, engine: Engine, settings: Settings
) -> None:
    cid_map = '{"": "attachment-1", "": "attachment-2", "<abc>": "attachment-3", "<abc>": "attachment-4"}'
    files = [
        (f"attachment-{n}", f"attachment-{n}", "application/octet-stream", b"att%d" % n) for n in range(1, 5)
    ]
    stored = post_and_drain(
        app, engine, settings, [*ENVELOPE, ("attachment-count", "4"), ("content-id-map", cid_map)], files
    )

    assert [(a["inline"], a["content_id"]) for a in stored] == [
        (True, ""),
        (True, ""),
        (True, "abc"),
        (True, "abc"),
    ]
