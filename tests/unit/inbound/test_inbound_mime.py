"""parse_mime on generated and hand-damaged messages."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from workers.inbound.parse import InboundParseError, parse_mime

SUBJECT = "Grüße aus Köln — 東京 report"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
PDF = b"%PDF-1.4\n" + bytes(range(255, -1, -1))


def generated() -> bytes:
    """text+html alternative, an inline image with a Content-ID, a PDF, repeated Received headers."""
    msg = EmailMessage()
    for hop in ("from a.example by b.example", "from c.example by a.example", "from d.example by c.example"):
        msg["Received"] = hop
    msg["From"] = "Jörg Ünal <jorg@sender.example>"
    msg["To"] = "Team <team@inbound.example>, other@inbound.example"
    msg["Cc"] = '"Doe, Jane" <jane@cc.example>'
    msg["Subject"] = SUBJECT
    msg["Date"] = "Tue, 02 Jan 2024 10:00:00 +0200"
    msg["Message-ID"] = "<gen-1@sender.example>"
    msg["In-Reply-To"] = "<parent@sender.example>"
    msg["References"] = "<root@sender.example> <parent@sender.example>"
    msg["X-Mailgun-Sflag"] = "Yes"
    msg["X-Mailgun-Sscore"] = "7.5"
    msg.set_content("Hällo plain\n")
    msg.add_alternative('<p>Hällo <img src="cid:logo@sender.example"></p>\n', subtype="html")
    msg.add_attachment(
        PNG,
        maintype="image",
        subtype="png",
        filename="logo.png",
        disposition="inline",
        cid="<logo@sender.example>",
    )
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="report.pdf")
    return msg.as_bytes(policy=SMTP)


def test_generated_message_headers() -> None:
    raw = generated()
    message = parse_mime(raw)

    assert b"=?utf-8?" in raw  # the subject really went over the wire RFC 2047-encoded
    assert message.subject == SUBJECT
    assert (message.from_name, message.from_address) == ("Jörg Ünal", "jorg@sender.example")
    assert message.to == ["team@inbound.example", "other@inbound.example"]
    assert message.cc == ["jane@cc.example"]
    assert message.date == datetime(2024, 1, 2, 8, 0, tzinfo=UTC)
    assert message.message_id == "gen-1@sender.example"
    assert message.in_reply_to == "parent@sender.example"
    assert message.references == ["root@sender.example", "parent@sender.example"]
    assert (message.spam_flag, message.spam_score) == (True, 7.5)


def test_generated_message_keeps_repeated_headers_in_order() -> None:
    message = parse_mime(generated())

    assert message.headers[:3] == [
        ("Received", "from a.example by b.example"),
        ("Received", "from c.example by a.example"),
        ("Received", "from d.example by c.example"),
    ]
    assert ("Subject", SUBJECT) in message.headers


def test_generated_message_bodies_and_attachments() -> None:
    raw = generated()
    message = parse_mime(raw)

    # Line endings stay as they were on the wire (CRLF here).
    assert message.body_text == "Hällo plain\r\n"
    assert message.body_html == '<p>Hällo <img src="cid:logo@sender.example"></p>\r\n'
    summary = [(a.filename, a.content_type, a.inline, a.content_id, a.size) for a in message.attachments]
    assert summary == [
        ("logo.png", "image/png", True, "logo@sender.example", len(PNG)),
        ("report.pdf", "application/pdf", False, None, len(PDF)),
    ]
    assert [a.content for a in message.attachments] == [PNG, PDF]
    assert message.raw_mime == raw
    assert (message.recipient, message.sender, message.domain) == (None, None, None)


def mime(headers: str, body: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode() + b"\r\n" + body


def test_unknown_charset_decodes_as_utf8_with_replacement() -> None:
    raw = mime('Content-Type: text/plain; charset="x-unknown"\n', "café ".encode() + b"\xff\n")

    assert parse_mime(raw).body_text == "café \ufffd\n"


def test_utf7_body() -> None:
    raw = mime("Content-Type: text/plain; charset=utf-7\n", b"Hi Mom -+Jjo--!\n")

    assert parse_mime(raw).body_text == "Hi Mom -\u263a-!\n"


@pytest.mark.parametrize("charset", ["base64", "undefined", "idna", "rot13", "utf-8*en", "us-ascii", ""])
def test_strange_charsets_fall_back_to_utf8(charset: str) -> None:
    raw = mime(f"Content-Type: text/plain; charset={charset}\n", "naïve\n".encode())

    assert parse_mime(raw).body_text == "naïve\n"


def test_invalid_utf8_bytes_are_replaced() -> None:
    raw = mime("Content-Type: text/plain; charset=utf-8\n", b"ok \xc3\x28 \xe2\x82\n")

    body = parse_mime(raw).body_text
    assert body is not None and body.startswith("ok \ufffd(") and "\ufffd" in body[5:]


def test_raw_8bit_header_and_bad_encoded_word() -> None:
    # "Grüße" goes out as raw 8-bit UTF-8, not encoded.
    raw = mime(
        "Subject: Grüße =?utf-8?B?###?= =?x-unknown?Q?caf=C3=A9?=\nFrom: not an address\n"
        "Date: yesterday-ish\n",
        b"body\n",
    )
    message = parse_mime(raw)

    assert message.subject == "Grüße =?utf-8?B?###?= café"
    assert (message.from_name, message.from_address) == ("not an address", None)
    assert message.date is None


def test_latin1_8bit_header_is_replaced_not_raised() -> None:
    message = parse_mime(b"Subject: caf\xe9\r\n\r\nbody\r\n")

    assert message.subject == "caf\ufffd"
    assert message.headers == [("Subject", "caf\ufffd")]


def test_header_line_without_colon_is_tolerated() -> None:
    message = parse_mime(b"Subject: first\r\nthis line is broken\r\nFrom: a@b.example\r\n\r\nbody\r\n")

    assert message.subject == "first"
    assert message.body_text is not None and "body" in message.body_text


def test_date_without_zone_is_utc() -> None:
    message = parse_mime(mime("Date: Tue, 02 Jan 2024 10:00:00 -0000\n", b"x\n"))

    assert message.date == datetime(2024, 1, 2, 10, 0, tzinfo=UTC)


def test_missing_boundary_keeps_the_text_as_body() -> None:
    raw = mime('Content-Type: multipart/mixed; boundary="nowhere"\n', b"--elsewhere\r\n\r\nhello\r\n")
    message = parse_mime(raw)

    assert message.body_text is not None and "hello" in message.body_text
    assert message.attachments == []


def test_unterminated_multipart_still_yields_parts() -> None:
    raw = mime(
        'Content-Type: multipart/mixed; boundary="b"\n',
        b"--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--b\r\nContent-Type: application/zip\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nUEsDBA=\r\n",
    )
    message = parse_mime(raw)

    assert message.body_text == "first"
    [attachment] = message.attachments
    assert (attachment.filename, attachment.content_type) == (None, "application/zip")
    assert attachment.content == b"PK\x03\x04"


def test_attachment_filenames_are_decoded_and_sanitised() -> None:
    raw = mime(
        'Content-Type: multipart/mixed; boundary="b"\n',
        b"--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
        b"--b\r\nContent-Type: text/plain\r\n"
        b'Content-Disposition: attachment; filename="../../etc/passwd"\r\n\r\nroot\r\n'
        b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;"
        b" filename*=utf-8''%E2%82%AC%20rates.pdf\r\n\r\n%PDF\r\n"
        b'--b\r\nContent-Type: application/pdf; name="=?utf-8?Q?R=C3=A9sum=C3=A9.pdf?="\r\n'
        b"\r\n%PDF\r\n"
        b"--b--\r\n",
    )
    message = parse_mime(raw)

    assert [a.filename for a in message.attachments] == ["passwd", "€ rates.pdf", "Résumé.pdf"]
    assert message.body_text == "body"


def test_attached_message_and_calendar_are_attachments() -> None:
    raw = mime(
        'Content-Type: multipart/mixed; boundary="b"\n',
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n"
        b"--b\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\n--b--\r\n",
    )
    message = parse_mime(raw)

    assert message.body_text == "see attached"
    assert [a.content_type for a in message.attachments] == ["message/rfc822", "text/calendar"]
    assert b"Subject: inner" in message.attachments[0].content
    assert b"inner body" in message.attachments[0].content
    assert message.attachments[1].content == b"BEGIN:VCALENDAR"


def test_inline_text_with_filename_is_an_attachment() -> None:
    raw = mime(
        'Content-Type: multipart/mixed; boundary="b"\n',
        b'--b\r\nContent-Type: text/plain\r\nContent-Disposition: inline; filename="notes.txt"\r\n'
        b"Content-ID: <n1>\r\n\r\nnotes\r\n--b--\r\n",
    )
    message = parse_mime(raw)

    assert message.body_text is None
    [attachment] = message.attachments
    assert (attachment.filename, attachment.inline, attachment.content_id) == ("notes.txt", True, "n1")


def test_deep_nesting_does_not_exhaust_the_stack() -> None:
    depth = 400
    level = b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n'
    head = b"".join(level % (i, i) for i in range(depth))
    raw = head + b"Content-Type: text/plain\r\n\r\ndeep\r\n"

    message = parse_mime(raw)
    assert message.raw_mime == raw


@pytest.mark.parametrize("raw", [b"", b"   ", b"\r\n\r\n"])
def test_empty_input_is_the_one_parse_error(raw: bytes) -> None:
    with pytest.raises(InboundParseError):
        parse_mime(raw)


def test_headers_only_message() -> None:
    message = parse_mime(b"Message-ID: <only@x.example>\r\n")

    assert message.message_id == "only@x.example"
    assert message.body_text == ""
