"""Header text helpers behind the inbound parsers, and the parsers' import purity."""

from __future__ import annotations

import ast
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.multipart import form_disposition
from workers.inbound.text import (
    content_type,
    decode_bytes,
    decode_words,
    message_ids,
    parse_date,
    sanitize_filename,
    scrub,
    spam_flag,
    spam_score,
)

INBOUND = Path(__file__).resolve().parents[3] / "workers" / "inbound"
# The parsers, pure by intent: the rest of the package stores, fetches and schedules.
PURE = ("parse", "fields", "mime", "mime_scan", "params", "limits", "message", "rows", "text")


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("=?utf-8?q?caf=C3=A9?=", "café"),
        ("=?UTF-8?B?Y2Fmw6k=?=", "café"),
        ("=?utf-8?B?Y2Fmw6k?=", "café"),  # padding missing
        ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),  # white space between adjacent words is dropped
        ("=?utf-8?q?a?= and =?utf-8?q?b?=", "a and b"),
        ("=?utf-8?B?4oK=?= =?utf-8?B?rA==?=", "€"),  # a character split across two words
        ("=?iso-8859-1?q?caf=E9?= =?utf-8?q?!?=", "café!"),
        ("=?utf-8*en?q?hi?=", "hi"),
        ("=?bogus?q?caf=C3=A9?=", "café"),
        ("=?utf-8?B?!!!?=", "=?utf-8?B?!!!?="),
        ("=?utf-8?X?abc?=", "=?utf-8?X?abc?="),
        ("plain =? text ?=", "plain =? text ?="),
    ],
)
def test_decode_words(raw: str, decoded: str) -> None:
    assert decode_words(raw) == decoded


def test_scrub_recovers_utf8_from_surrogate_escapes_and_replaces_the_rest() -> None:
    assert scrub("caf\udcc3\udca9") == "café"
    assert scrub("x\ud800y") == "x\ufffdy"
    assert scrub("plain") == "plain"


@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "cp1252", "shift_jis", "utf-7"])
def test_decode_bytes_never_leaves_surrogates(charset: str) -> None:
    text = decode_bytes(b"\xff\xfe\x00\xd8\x41\x00+2D3-", charset)

    text.encode("utf-8")  # would raise on a lone surrogate
    assert text


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        ("<a@x> <b@y>", ["a@x", "b@y"]),
        ("<a@x>\r\n\t<b@y>", ["a@x", "b@y"]),
        ("<long-\r\n id@x>", ["long-id@x"]),
        ("<a@x> (Joe's message of Monday)", ["a@x"]),
        ("bare@x other@y", ["bare@x", "other@y"]),
        ("<>", []),
        ("", []),
    ],
)
def test_message_ids(value: str, ids: list[str]) -> None:
    assert message_ids(value) == ids


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wed, 11 Oct 2017 18:31:04 -0700", datetime(2017, 10, 12, 1, 31, 4, tzinfo=UTC)),
        ("11 Oct 2017 18:31:04 GMT", datetime(2017, 10, 11, 18, 31, 4, tzinfo=UTC)),
        ("Wed, 11 Oct 2017 18:31:04", datetime(2017, 10, 11, 18, 31, 4, tzinfo=UTC)),
        ("Wed, 11 Oct 2017 18:31:04 +9999", None),
        ("Wed, 31 Feb 2017 18:31:04 +0000", None),
        ("soon", None),
        ("", None),
    ],
)
def test_parse_date(value: str, expected: datetime | None) -> None:
    parsed = parse_date(value)

    assert parsed == expected
    assert parsed is None or parsed.utcoffset() is not None


@pytest.mark.parametrize(
    ("value", "flag"),
    [("Yes", True), (" no ", False), ("YES", True), ("maybe", None), ("", None), (None, None)],
)
def test_spam_flag(value: str | None, flag: bool | None) -> None:
    assert spam_flag(value) is flag


@pytest.mark.parametrize(
    ("value", "score"),
    [("1.7", 1.7), ("-0.5", -0.5), ("inf", None), ("nan", None), ("high", None), (None, None)],
)
def test_spam_score(value: str | None, score: float | None) -> None:
    assert spam_score(value) == score


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Image/PNG; name=x.png", "image/png"),
        ("text/plain", "text/plain"),
        ("garbage", "application/octet-stream"),
        ("", "application/octet-stream"),
        (None, "application/octet-stream"),
        ("a/b/c", "application/octet-stream"),
    ],
)
def test_content_type(value: str | None, expected: str) -> None:
    assert content_type(value) == expected


def test_inbound_modules_import_only_the_standard_library_and_each_other() -> None:
    for path in (INBOUND / f"{name}.py" for name in PURE):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or name.startswith("workers.inbound."), (
                    path.name,
                    name,
                )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('form-data; name="attachment-3"; filename="\\share\\mail\\forwarded.msg"',
         ("attachment-3", "\\share\\mail\\forwarded.msg")),
        ('form-data; name="a"; filename="path\\"', ("a", "path\\")),
        ('form-data; name="a"; filename="path\\"; x="y"', ("a", "path\\")),
        ('form-data; name="a"; filename="semi;colon.txt"', ("a", "semi;colon.txt")),
        ("form-data; name=a; filename=plain.txt", ("a", "plain.txt")),
        ('form-data; name="a"; filename="unterminated', ("a", "unterminated")),
        ("form-data; name=\"a\"; filename=\"x\"; filename*=utf-8''na%C3%AFve.txt", ("a", "na\u00efve.txt")),
        ("form-data; name=\"a\"; filename*=unknown''%41", ("a", "A")),
        ('form-data; name="a"', ("a", None)),
        ("form-data", (None, None)),
        ("", (None, None)),
    ],
)  # fmt: skip
def test_form_disposition_reads_filenames_as_form_encoders_write_them(
    value: str, expected: tuple[str | None, str | None]
) -> None:
    assert form_disposition(value) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("\\share\\mail\\forwarded.msg", "forwarded.msg"),
        ("path\\", None),
        ("path/.", None),
        ("path\\..", None),
    ],
)
def test_sanitized_form_filenames_keep_the_last_component(name: str, expected: str | None) -> None:
    assert sanitize_filename(name) == expected
