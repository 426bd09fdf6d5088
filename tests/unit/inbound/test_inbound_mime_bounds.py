"""parse_mime within each bound of MimeLimits, and the splitter's reading of delimiters and parameters."""

from __future__ import annotations

import dataclasses

import pytest

from workers.inbound.limits import DefaultLimits
from workers.inbound.params import parse_params
from workers.inbound.parse import parse_mime


def limits(**overrides: int) -> DefaultLimits:
    return dataclasses.replace(DefaultLimits(), **overrides)


def multipart(*parts: bytes, boundary: bytes = b"b", head: bytes = b"") -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    ctype = b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n'
    return head + ctype + b"\r\n" + body + b"--" + boundary + b"--\r\n"


def attachment(n: int) -> bytes:
    return (
        b'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="f%d.pdf"\r\n\r\n%%PDF'
        % n
    )


def test_parts_past_the_bound_stay_in_the_raw_mime_only() -> None:
    raw = multipart(b"Content-Type: text/plain\r\n\r\nbody", *(attachment(n) for n in range(1, 6)))
    message = parse_mime(raw, limits(max_parts=4))

    assert message.body_text == "body"
    assert [a.filename for a in message.attachments] == ["f1.pdf", "f2.pdf"]
    assert message.raw_mime == raw
    assert message.bounded == ("parts past 4 left in the raw MIME only",)


def test_nesting_past_the_bound_is_kept_whole() -> None:
    inner = multipart(attachment(1), boundary=b"c")
    raw = multipart(multipart(inner, boundary=b"m"))
    message = parse_mime(raw, limits(max_depth=2))

    assert message.attachments == []
    assert message.body_text is not None and "f1.pdf" in message.body_text
    assert message.bounded == ("multiparts nested past 2 levels kept whole",)
    assert [a.filename for a in parse_mime(raw).attachments] == ["f1.pdf"]


def test_headers_past_the_count_are_not_read() -> None:
    message = parse_mime(b"X-A: 1\r\nX-B: 2\r\nSubject: late\r\n\r\nbody\r\n", limits(max_headers=2))

    assert message.headers == [("X-A", "1"), ("X-B", "2")]
    assert message.subject is None and message.body_text == "body\r\n"
    assert message.bounded == ("headers past 2 in a header block left in the raw MIME only",)


def test_a_header_over_the_size_is_listed_cut_and_not_read() -> None:
    subject = "=?utf-8?q?" + "a" * 200 + "?="
    raw = f"Subject: {subject}\r\nFrom: Ann <ann@x.example>\r\n\r\nbody\r\n".encode()
    message = parse_mime(raw, limits(max_header_bytes=100))

    [(name, value), author] = message.headers
    assert (name, value) == ("Subject", subject[: 100 - len("Subject: ")])
    assert author == ("From", "Ann <ann@x.example>") and message.from_address == "ann@x.example"
    assert message.subject is None
    assert message.bounded == ("headers over 100 bytes kept raw, not read",)


def test_parameters_past_the_bound_are_not_read() -> None:
    raw = b"Content-Type: text/plain; a=1; b=2; charset=latin-1\r\n\r\ncaf\xe9\r\n"

    assert parse_mime(raw).body_text == "caf\u00e9\r\n"
    bounded = parse_mime(raw, limits(max_params=2))
    assert bounded.body_text == "caf\ufffd\r\n"
    assert bounded.bounded == ("parameters past 2 in a header not read",)


def test_encoded_words_past_the_bound_stay_encoded() -> None:
    message = parse_mime(b"Subject: =?utf-8?q?a?= =?utf-8?q?b?=\r\n\r\nx\r\n", limits(max_encoded_words=1))

    assert message.subject == "a =?utf-8?q?b?="
    assert message.headers == [("Subject", "a =?utf-8?q?b?=")]
    assert message.bounded == ("encoded words past 1 in a header left encoded",)


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        (b'attachment; filename="\\share\\mail\\forwarded.msg"', "forwarded.msg"),
        (b'attachment; filename="a\\"b.pdf"', 'a"b.pdf'),
        (b'attachment; filename="semi;colon.pdf"', "semi;colon.pdf"),
        (b"attachment; filename*0*=utf-8''%E2%82%AC; filename*1=\" rates.pdf\"", "\u20ac rates.pdf"),
        (b"attachment; FILENAME=plain.pdf", "plain.pdf"),
        (b'attachment; filename="unterminated.pdf', "unterminated.pdf"),
        (b"attachment", None),
    ],
)
def test_mime_filenames(disposition: bytes, filename: str | None) -> None:
    raw = multipart(b"Content-Type: application/pdf\r\nContent-Disposition: " + disposition + b"\r\n\r\n%PDF")
    [found] = parse_mime(raw).attachments

    assert found.filename == filename


def test_only_whole_delimiter_lines_split_and_preamble_and_epilogue_are_not_parts() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="b"\n\npreamble --b\n--b \t\nContent-Type: text/plain\n\n'
        b"one\n--bx\nx--b\n--b\nContent-Type: application/zip\n\nPK\n--b--  \nepilogue\n--b\n\nlost\n"
    )
    message = parse_mime(raw)

    assert message.body_text == "one\n--bx\nx--b"
    assert [(a.content_type, a.content) for a in message.attachments] == [("application/zip", b"PK")]


def test_digest_parts_default_to_attached_messages() -> None:
    raw = b'Content-Type: multipart/digest; boundary="d"\r\n\r\n'
    raw += b"--d\r\n\r\nSubject: inner\r\n\r\nhi\r\n--d--\r\n"
    [inner] = parse_mime(raw).attachments

    assert inner.content_type == "message/rfc822" and inner.content == b"Subject: inner\r\n\r\nhi"


def test_parse_params_reads_the_first_occurrence_and_rfc2231_charsets() -> None:
    parsed = parse_params("Attachment; a=1; A=2; b*=iso-8859-1'en'caf%E9; c=\"x\\\\y\"", 10)

    assert parsed.main == "attachment" and not parsed.truncated
    assert parsed.params == {"a": "1", "b": "caf\u00e9", "c": "x\\y"}


def test_a_message_with_exactly_the_bound_of_parts_reaches_no_bound() -> None:
    raw = multipart(b"Content-Type: text/plain\r\n\r\nbody", attachment(1), attachment(2))
    message = parse_mime(raw, limits(max_parts=4))

    assert [a.filename for a in message.attachments] == ["f1.pdf", "f2.pdf"]
    assert message.bounded == ()
