"""The shared Mailgun inbound payloads parse into the values they hold (expected values written by hand)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workers.inbound.parse import (
    InboundMessage,
    UploadedPart,
    parse_forward,
    parse_mime_forward,
    parse_stored_message,
)

PAYLOADS = Path(__file__).resolve().parents[3].parent / "shared" / "mailgun" / "payloads"
_PLACEHOLDER = re.compile(r"<file upload: ([^,]+), ([^ >]+)")


def load(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text())


def form(name: str) -> tuple[list[tuple[str, str]], list[UploadedPart]]:
    """Fields and file parts of a route-form payload; file placeholders become small real files."""
    fields: list[tuple[str, str]] = []
    files: list[UploadedPart] = []
    for key, value in load(name)["fields"].items():
        placeholder = _PLACEHOLDER.match(value)
        if placeholder:
            filename, ctype = placeholder.groups()
            files.append(UploadedPart(key, filename, ctype, f"content of {filename}".encode()))
        else:
            fields.append((key, value))
    return fields, files


def test_forward_parsed_envelope_and_author() -> None:
    message = parse_forward(*form("inbound-forward-parsed.route-form.anymail.json"))

    assert message.recipient == "test@inbound.example.com"
    assert message.sender == "envelope-from@example.org"
    assert (message.from_name, message.from_address) == ("Displayed From", "from+test@example.org")
    assert message.to == ["test@inbound.example.com", "other@example.com"]
    assert message.cc == ["cc@example.com"]
    assert message.domain == "inbound.example.com"


def test_forward_parsed_header_values() -> None:
    message = parse_forward(*form("inbound-forward-parsed.route-form.anymail.json"))

    assert message.subject == "Test subject"
    assert message.date == datetime(2017, 10, 12, 1, 31, 4, tzinfo=UTC)
    assert message.message_id == "CAEPk3R+4Zr@mail.example.org"
    assert message.in_reply_to is None
    assert message.references == []
    assert message.spam_flag is False
    assert message.spam_score == 1.7


def test_forward_parsed_bodies() -> None:
    message = parse_forward(*form("inbound-forward-parsed.route-form.anymail.json"))

    assert message.body_text == "Test body plain"
    assert message.body_html == "<div>Test body html</div>"
    assert message.stripped_text == "stripped plaintext body"
    assert message.stripped_html == "stripped html body"
    assert message.stripped_signature is None
    assert message.attachments == []
    assert message.raw_mime is None
    assert message.storage_url is None


def test_forward_parsed_keeps_every_header_in_order() -> None:
    message = parse_forward(*form("inbound-forward-parsed.route-form.anymail.json"))

    assert len(message.headers) == 19
    assert message.headers[0] == ("X-Mailgun-Spam-Rules", "DKIM_SIGNED, DKIM_VALID, DKIM_VALID_AU, ...")
    assert [value for name, value in message.headers if name == "Received"] == [
        "from mail.example.org by mxa.mailgun.org ...",
        "by mail.example.org for <test@inbound.example.com> ...",
        "by 10.10.1.71 with HTTP; Wed, 11 Oct 2017 18:31:04 -0700 (PDT)",
    ]
    assert message.headers[-1] == ("Content-Type", 'multipart/mixed; boundary="089e0825ccf874a0bb055b4f7e23"')


def test_forward_attachments_in_order_with_inline_image() -> None:
    message = parse_forward(*form("inbound-forward-parsed-attachments.route-form.anymail.json"))

    summary = [(a.filename, a.content_type, a.inline, a.content_id) for a in message.attachments]
    assert summary == [
        ("test.txt", "text/plain", False, None),
        ("image.png", "image/png", True, "abc123"),
        ("forwarded.msg", "message/rfc822", False, None),
    ]
    assert message.attachments[1].content == b"content of image.png"
    assert message.attachments[1].size == len(b"content of image.png")


def test_forward_attachments_payload_has_no_envelope_or_headers() -> None:
    message = parse_forward(*form("inbound-forward-parsed-attachments.route-form.anymail.json"))

    assert message.headers == []
    assert (message.recipient, message.sender, message.domain) == (None, None, None)
    assert message.body_text is None
    assert message.content_hash != parse_forward([("recipient", "x@y.example")], []).content_hash


def test_forward_mime_payload() -> None:
    fields, files = form("inbound-forward-mime.route-form.anymail.json")
    message = parse_mime_forward(fields, files)

    assert message.recipient == "test@inbound.example.com"
    assert message.sender == "envelope-from@example.org"
    assert (message.from_name, message.from_address) == ("A tester", "test@example.org")
    assert message.to == ["test@inbound.example.com"]
    assert message.subject == "Raw MIME test"
    assert message.date == datetime(2017, 10, 13, 1, 3, 30, tzinfo=UTC)
    assert message.message_id == "CAEPk3RKEx@mail.example.org"
    assert message.body_text == "It's a body\u2026\n"
    assert message.body_html == '<div dir="ltr">It\'s a body\u2026</div>\n'
    assert message.attachments == []
    assert message.domain == "inbound.example.com"


def test_forward_mime_payload_keeps_raw_message() -> None:
    fields, files = form("inbound-forward-mime.route-form.anymail.json")
    raw = dict(fields)["body-mime"].encode()
    message = parse_mime_forward(fields, files)

    assert message.raw_mime == raw
    assert message.content_hash == hashlib.sha256(raw).hexdigest()
    assert [name for name, _ in message.headers] == [
        "From",
        "Date",
        "Message-ID",
        "Subject",
        "To",
        "MIME-Version",
        "Content-Type",
    ]


def test_store_notify_payload() -> None:
    message = parse_forward(*form("inbound-store-notify.route-form.anymail-partial.json"))

    assert message.recipient == "test@inbound.example.com"
    assert message.body_text == "Test body plain"
    assert message.body_html == "<div>Test body html</div>"
    assert message.storage_url is None  # the partial payload has no message-url
    assert message.stored_attachments == [
        {
            "url": "https://storage.mailgun.net/v3/domains/example.com/messages/MESSAGE_KEY/attachments/0",
            "content-type": "application/pdf",
            "name": "attachment.pdf",
            "size": 20202,
            "content-id": None,
            "inline": False,
        }
    ]
    assert message.attachments == []
    assert message.domain == "inbound.example.com"


def stored(name: str) -> InboundMessage:
    obj = load(name)
    return parse_stored_message(obj.get("body", obj), storage_url="https://storage.eu.mailgun.net/v3/x")


def test_stored_message_invoiceninja_headers() -> None:
    message = stored("stored-message.storage-get-json-response.invoiceninja.json")

    assert message.recipient == "test@domain.example"
    assert message.sender == "test@sender.example"
    assert (message.from_name, message.from_address) == ("Paul Werner", "test@sender.example")
    assert message.to == ["test@domain.example"]
    assert message.subject == "Fwd: TEST"
    assert message.date == datetime(2024, 3, 18, 5, 34, 9, tzinfo=UTC)
    assert message.message_id == "CADfEuNu6nBJYqNSJ-suey3a0FazJELYkNSO5JUGiiGs9hsFvGg@mail.gmail.com"
    # Only a top-level key says In-Reply-To: the abridged message-headers list lacks it.
    assert message.in_reply_to == "CADfEuNuk6m=RUmo+R4K65Rfskox_LOTT+pnBwTnmA_gPaf1eUQ@mail.gmail.com"
    assert len(message.headers) == 9
    assert message.headers[0] == ("X-Envelope-From", "test@sender.example")
    assert message.domain == "domain.example"
    assert message.storage_url == "https://storage.eu.mailgun.net/v3/x"


def test_stored_message_invoiceninja_bodies_and_inline_attachment() -> None:
    message = stored("stored-message.storage-get-json-response.invoiceninja.json")

    assert message.body_text is not None
    assert message.body_text.startswith("TESTAGAIN[image: Unbenannt.png]\r\n\r\n---------- Forwarded")
    assert message.body_html is not None and 'src="cid:ii_ltwigc770"' in message.body_html
    assert message.stripped_signature == ""
    assert message.attachments == []
    [attachment] = message.stored_attachments
    assert attachment["name"] == "Unbenannt.png"
    assert attachment["size"] == 197753
    assert attachment["content-id"] == "ii_ltwigc770"
    assert attachment["inline"] is True


def test_stored_message_openapi_example() -> None:
    message = stored("stored-message.storage-get-json-response.openapi-example.json")

    assert message.recipient == "cool.barr@cool.com, bar.baz@gmail.com"
    assert message.sender == "foo.bar@my-domain.com"
    assert (message.from_name, message.from_address) == (None, "foo.bar@my-domain.com")
    assert message.to == ["cool.barr@cool.com", "bar.baz@gmail.com"]
    assert message.subject == '"Mailgun is awesome"'
    assert message.date is None
    assert message.message_id == "xxxxxxxxxxxxx.111111111111111@my-domain.com"
    assert message.body_text == "This is some html"
    assert message.body_html == "<html>This is some html</html>"
    assert message.stripped_signature == "the signature block stripped from the plain text message (if found)"
    assert ("X-Mailgun-Tag", "Earth") in message.headers
    assert message.stored_attachments == []
    assert message.domain == "cool.com"
