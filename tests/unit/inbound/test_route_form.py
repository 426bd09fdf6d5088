"""Stored route POST bodies decoded once into fields and file parts; values made storable; fetch failures."""

from __future__ import annotations

import hashlib
import math
from io import BytesIO

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from workers.inbound.message import InboundAttachment
from workers.inbound.route_form import UnreadableForm, decode_route_form
from workers.inbound.rows import MAX_INDEXED_CHARS, attachment_values, indexed, merged_with_fetched, storable
from workers.inbound.storage_client import failure_for_status
from workers.inbound.stored_fetch import BACKOFF_MAX_SECONDS, backoff_seconds


def test_urlencoded_fields_in_order_with_body_mime_kept_as_bytes() -> None:
    form = decode_route_form(
        "application/x-www-form-urlencoded", b"a=1&b=%C3%A9+x&a=2&body-mime=%FF%00z+y&empty="
    )
    assert form.fields == [("a", "1"), ("b", "\u00e9 x"), ("a", "2"), ("empty", "")]
    [raw] = form.files
    assert (raw.field_name, raw.content) == ("body-mime", b"\xff\x00z y")


def test_multipart_fields_and_files_are_read_once_each() -> None:
    form_data = MultiDict(
        [
            ("recipient", "a@example.com"),
            ("body-mime", "From: x\r\n\r\nbody"),
            ("attachment-1", FileStorage(BytesIO(b"\x00\x01\x02"), "a.bin", content_type="image/png")),
        ]
    )
    boundary, body = encode_multipart(form_data)
    form = decode_route_form(f"multipart/form-data; boundary={boundary}", body)
    assert form.fields == [("recipient", "a@example.com")]
    assert [(p.field_name, p.filename, p.content_type, p.content) for p in form.files] == [
        ("body-mime", None, None, b"From: x\r\n\r\nbody"),
        ("attachment-1", "a.bin", "image/png", b"\x00\x01\x02"),
    ]
    assert form.names == {"recipient", "body-mime", "attachment-1"}


def django_part(name: str, filename: str) -> bytes:
    """One file part as django.test.client and form encoders write it: the filename unescaped."""
    return (
        f'--b\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: text/plain\r\n\r\nx\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("filename", "kept"),
    [
        ("\\share\\mail\\forwarded.msg", "\\share\\mail\\forwarded.msg"),
        ("path\\", "path\\"),
        ("path\\.", "path\\."),
        ('a\\"b.txt', 'a"b.txt'),
        ("", None),
    ],
)
def test_multipart_filenames_keep_their_backslashes(filename: str, kept: str | None) -> None:
    form = decode_route_form(
        "multipart/form-data; boundary=b", django_part("attachment-1", filename) + b"--b--\r\n"
    )

    assert form.fields == []
    assert [(p.field_name, p.filename) for p in form.files] == [("attachment-1", kept)]


def test_a_filename_before_the_name_ending_in_a_backslash_keeps_both() -> None:
    body = b'--b\r\nContent-Disposition: form-data; filename="x\\"; name="attachment-2"\r\n\r\nx\r\n--b--\r\n'
    [part] = decode_route_form("multipart/form-data; boundary=b", body).files

    assert (part.field_name, part.filename) == ("attachment-2", "x\\")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"--x\r\n"),
        ("text/plain", b"a=1"),
        ("multipart/form-data; boundary=x", b"junk"),
    ],
)
def test_unreadable_forms_are_refused(content_type: str, body: bytes) -> None:
    with pytest.raises(UnreadableForm):
        decode_route_form(content_type, body)


def test_values_become_storable_in_postgres() -> None:
    value = {"k\x00": ["a\x00b", ("\ud800x", math.nan)], "n": 1.5}
    assert storable(value) == {"k\ufffd": ["a\ufffdb", ["\ufffdx", None]], "n": 1.5}
    assert indexed("  Alice@Example.COM ", lower=True) == "alice@example.com"
    assert len(indexed("x" * 5000) or "") == MAX_INDEXED_CHARS and indexed("   ") is None


def test_attachment_content_is_kept_up_to_the_limit_and_hashed_always() -> None:
    items = [
        InboundAttachment("a.txt", "text/plain", 3, b"abc"),
        InboundAttachment(None, "image/png", 4, b"wxyz"),
    ]
    small, big = attachment_values(7, items, max_bytes=3)
    assert (small["inbound_message_id"], small["n"], small["content"]) == (7, 1, b"abc")
    assert (big["n"], big["content"], big["size"]) == (2, None, 4)
    assert big["sha256"] == hashlib.sha256(b"wxyz").hexdigest()


def test_fetched_values_win_unless_they_say_nothing() -> None:
    pending = {"subject": "notified", "stripped_text": "kept", "to_addresses": ["a@x"]}
    fetched: dict[str, object] = {"subject": "fetched", "stripped_text": None, "to_addresses": []}
    assert merged_with_fetched(pending, fetched) == {
        "subject": "fetched",
        "stripped_text": "kept",
        "to_addresses": ["a@x"],
    }


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        (401, True),
        (403, True),
        (404, True),
        (400, True),
        (408, False),
        (429, False),
        (500, False),
        (503, False),
    ],
)
def test_which_answers_are_worth_retrying(status: int, permanent: bool) -> None:
    failure = failure_for_status(status)
    assert (failure.permanent, failure.status) == (permanent, status)
    assert f"HTTP {status}" in failure.reason


def test_backoff_doubles_from_thirty_seconds_to_a_cap() -> None:
    assert 24 <= backoff_seconds(1) <= 36 and 48 <= backoff_seconds(2) <= 72
    assert all(backoff_seconds(n) <= BACKOFF_MAX_SECONDS * 1.2 for n in range(1, 200))
