"""Property tests: whatever arrives, the parsers return clean values or InboundParseError, nothing else."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workers.inbound.fields import MAILGUN_FIELDS
from workers.inbound.parse import (
    InboundMessage,
    InboundParseError,
    UploadedPart,
    parse_forward,
    parse_mime,
    parse_mime_forward,
    parse_stored_message,
)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CHARSETS = st.sampled_from(
    [
        "utf-8",
        "us-ascii",
        "iso-8859-1",
        "x-unknown",
        "utf-7",
        "utf-16",
        "base64",
        "undefined",
        "idna",
        "shift_jis",
        "utf-8*en",
        '"',
        "",
    ]
) | st.text(max_size=12)
ENCODINGS = st.sampled_from(["base64", "quoted-printable", "7bit", "8bit", "binary", "x-uuencode", "b@d"])
HEADER_NAMES = st.sampled_from(
    [
        "Subject",
        "From",
        "To",
        "Cc",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Received",
        "X-Mailgun-Sflag",
        "X-Mailgun-Sscore",
        "Content-Disposition",
        "Content-ID",
    ]
) | st.from_regex(r"\A[!-9;-~]{1,20}\Z")
HEADER_VALUES = st.text(max_size=60) | st.builds(
    lambda charset, kind, text: f"=?{charset}?{kind}?{text}?=",
    CHARSETS,
    st.sampled_from("bBqQx"),
    st.text(alphabet="ABCDEFabcdef0123456789=_+/", max_size=20),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def assert_clean(message: InboundMessage) -> None:
    """Every text value can be written as UTF-8 (Postgres text, JSON): no lone surrogates anywhere."""
    json.dumps(_texts(message), ensure_ascii=False, default=str).encode("utf-8")
    for attachment in message.attachments:
        assert attachment.size == len(attachment.content)
        assert "/" not in (attachment.filename or "") and "\\" not in (attachment.filename or "")
    assert message.date is None or message.date.utcoffset() is not None
    assert len(message.content_hash) == 64


def _texts(message: InboundMessage) -> dict[str, Any]:
    values = {f.name: getattr(message, f.name) for f in dataclasses.fields(message)}
    del values["raw_mime"]
    values["attachments"] = [[a.filename, a.content_type, a.content_id] for a in message.attachments]
    return values


def header_block(pairs: list[tuple[str, str]]) -> bytes:
    return b"".join(f"{name}: {value}\r\n".encode("utf-8", "surrogatepass") for name, value in pairs)


@st.composite
def leaf_parts(draw: st.DrawFn) -> bytes:
    ctype = draw(
        st.sampled_from(
            [
                "text/plain",
                "text/html",
                "image/png",
                "message/rfc822",
                "text/calendar",
                "application/pdf",
                "multipart/mixed",
                "bogus",
            ]
        )
    )
    headers = [
        ("Content-Type", f'{ctype}; charset="{draw(CHARSETS)}"'),
        ("Content-Transfer-Encoding", draw(ENCODINGS)),
    ]
    if draw(st.booleans()):
        disposition = draw(st.sampled_from(["inline", "attachment", "x"]))
        headers.append(("Content-Disposition", f'{disposition}; filename="{draw(st.text(max_size=20))}"'))
    return header_block(headers) + b"\r\n" + draw(st.binary(max_size=200))


@st.composite
def mime_messages(draw: st.DrawFn, depth: int = 0) -> bytes:
    headers = header_block(draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=8)))
    if depth >= 2 or draw(st.booleans()):
        return headers + draw(leaf_parts())
    boundary = draw(st.sampled_from(["b1", "b2", "=_x", ""]))
    declared = draw(st.sampled_from([boundary, "other"]))
    children = draw(st.lists(mime_messages(depth=depth + 1), max_size=3))
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + child + b"\r\n" for child in children)
    closing = b"--" + boundary.encode() + b"--\r\n" if draw(st.booleans()) else b""
    subtype = draw(st.sampled_from(["mixed", "alternative", "related"]))
    content_type = f'Content-Type: multipart/{subtype}; boundary="{declared}"\r\n\r\n'
    return headers + content_type.encode() + body + closing


def parse_or_nothing(parse: Any, *args: Any) -> InboundMessage | None:
    try:
        message = parse(*args)
    except InboundParseError:
        return None
    assert isinstance(message, InboundMessage)
    assert_clean(message)
    return message


@SETTINGS
@given(st.binary(max_size=2000))
def test_parse_mime_of_any_bytes(raw: bytes) -> None:
    message = parse_or_nothing(parse_mime, raw)

    assert (message is None) == (not raw.strip())
    assert message is None or message.raw_mime == raw


@SETTINGS
@given(mime_messages())
def test_parse_mime_of_generated_messages(raw: bytes) -> None:
    message = parse_or_nothing(parse_mime, raw)

    assert message is not None and message.raw_mime == raw


FIELD_NAMES = st.sampled_from(sorted(MAILGUN_FIELDS)) | HEADER_NAMES | st.text(max_size=10)
FIELD_VALUES = st.text(max_size=80) | JSON.map(json.dumps) | HEADER_VALUES
PART_NAMES = st.sampled_from(["attachment-1", "attachment-2", "attachment-03", "body-mime", "x"])
UPLOADS = st.builds(
    UploadedPart,
    PART_NAMES | st.text(max_size=12),
    st.none() | st.text(max_size=30),
    st.none() | st.text(max_size=30),
    st.binary(max_size=100),
)


@SETTINGS
@given(st.lists(st.tuples(FIELD_NAMES, FIELD_VALUES), max_size=15), st.lists(UPLOADS, max_size=4))
def test_parse_forward_of_random_fields(fields: list[tuple[str, str]], files: list[UploadedPart]) -> None:
    message = parse_or_nothing(parse_forward, fields, files)

    assert message is not None or not any(f.field_name.startswith("attachment-") for f in files)


@SETTINGS
@given(st.text(max_size=200) | JSON.map(json.dumps), st.lists(UPLOADS, max_size=3))
def test_content_id_map_strings(cid_map: str, files: list[UploadedPart]) -> None:
    fields = [("recipient", "a@b.example"), ("content-id-map", cid_map)]
    message = parse_or_nothing(parse_forward, fields, files)

    assert message is not None
    for attachment in message.attachments:
        assert attachment.inline == (attachment.content_id is not None)
        assert attachment.content_id is None or attachment.content_id.strip("<> ") == attachment.content_id


@SETTINGS
@given(st.lists(st.tuples(FIELD_NAMES, FIELD_VALUES), max_size=10), st.lists(UPLOADS, max_size=3))
def test_parse_mime_forward_of_random_fields(
    fields: list[tuple[str, str]], files: list[UploadedPart]
) -> None:
    parse_or_nothing(parse_mime_forward, fields, files)


@SETTINGS
@given(st.dictionaries(FIELD_NAMES, JSON | FIELD_VALUES, max_size=12))
def test_parse_stored_message_of_random_json(obj: dict[str, Any]) -> None:
    parse_or_nothing(parse_stored_message, obj)
