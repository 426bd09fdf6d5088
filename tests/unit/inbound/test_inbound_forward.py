"""parse_forward, parse_mime_forward and parse_stored_message on hand-made fields: fallbacks, edge cases."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from workers.inbound.parse import (
    InboundAttachment,
    InboundMessage,
    InboundParseError,
    UploadedPart,
    content_hash,
    parse_forward,
    parse_mime_forward,
    parse_stored_message,
)

ENVELOPE = [("recipient", "in@inbound.example"), ("sender", "bounce@sender.example")]


def files(count: int) -> list[UploadedPart]:
    return [
        UploadedPart(f"attachment-{n}", f"f{n}.bin", "application/octet-stream", b"x" * n)
        for n in range(1, count + 1)
    ]


def with_cid_map(value: str, count: int = 2) -> InboundMessage:
    return parse_forward([*ENVELOPE, ("content-id-map", value)], files(count))


def test_invalid_message_headers_fall_back_to_header_fields() -> None:
    message = parse_forward(
        [
            *ENVELOPE,
            ("message-headers", "{not json"),
            ("Received", "hop 1"),
            ("From", "Ann <ann@sender.example>"),
            ("Received", "hop 2"),
            ("X-Mailgun-Sflag", "Yes"),
            ("X-Mailgun-Sscore", "nan"),
            ("attachment-1", "x"),
            ("bad name", "x"),
            ("timestamp", "1"),
            ("Subject", "=?utf-8?Q?h=C3=A9?="),
        ],
        [],
    )

    assert message.headers == [
        ("Received", "hop 1"),
        ("From", "Ann <ann@sender.example>"),
        ("Received", "hop 2"),
        ("X-Mailgun-Sflag", "Yes"),
        ("X-Mailgun-Sscore", "nan"),
        ("Subject", "=?utf-8?Q?h=C3=A9?="),
    ]
    assert (message.from_name, message.from_address) == ("Ann", "ann@sender.example")
    assert message.subject == "hé"
    assert (message.spam_flag, message.spam_score) == (True, None)


@pytest.mark.parametrize("headers", ["", "null", "{}", '{"From": "x"}', '[1, ["a"], [null, "b"], 7]'])
def test_unusable_message_headers_are_not_headers(headers: str) -> None:
    message = parse_forward([*ENVELOPE, ("message-headers", headers)], [])

    assert message.headers == []


def test_message_headers_skip_malformed_entries() -> None:
    value = json.dumps([["To", "a@x.example"], ["X-Count", 3], ["X-Obj", {"a": 1}], ["", "v"], ["Cc", None]])
    message = parse_forward([*ENVELOPE, ("message-headers", value)], [])

    assert message.headers == [("To", "a@x.example"), ("X-Count", "3"), ("Cc", "")]
    assert message.to == ["a@x.example"]


def test_mailgun_fields_win_over_headers_and_sflag_takes_mailguns_first_copy() -> None:
    headers = json.dumps(
        [
            ["X-Mailgun-Sflag", "No"],
            ["From", "h@x.example"],
            ["Subject", "header subject"],
            ["X-Mailgun-Sflag", "Yes"],
        ]
    )
    message = parse_forward(
        [
            *ENVELOPE,
            ("message-headers", headers),
            ("from", "Field <f@x.example>"),
            ("subject", "field subject"),
        ],
        [],
    )

    assert (message.from_name, message.from_address) == ("Field", "f@x.example")
    assert message.subject == "field subject"
    assert message.spam_flag is False


def test_content_id_map_duplicate_keys_map_every_target() -> None:
    message = with_cid_map('{"<a>": "attachment-1", "<a>": "attachment-2"}')

    assert [(a.inline, a.content_id) for a in message.attachments] == [(True, "a"), (True, "a")]


@pytest.mark.parametrize("cid", ["", "<>", "  ", "< >"])
def test_content_id_map_entry_with_an_empty_content_id_still_marks_inline(cid: str) -> None:
    message = with_cid_map(json.dumps({cid: "attachment-1"}))

    assert [(a.inline, a.content_id) for a in message.attachments] == [(True, ""), (False, None)]


def test_content_id_map_empty_ids_map_every_target_as_mailgun_sends_them() -> None:
    message = with_cid_map(
        '{"": "attachment-1", "": "attachment-2", "<abc>": "attachment-3", "<abc>": "attachment-4"}', 4
    )

    assert [(a.inline, a.content_id) for a in message.attachments] == [
        (True, ""),
        (True, ""),
        (True, "abc"),
        (True, "abc"),
    ]


def test_content_id_map_first_content_id_of_an_attachment_wins() -> None:
    message = with_cid_map('{"<first>": "attachment-1", "second": "attachment-1"}')

    assert [(a.inline, a.content_id) for a in message.attachments] == [(True, "first"), (False, None)]


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not json",
        "[]",
        '["attachment-1"]',
        '{"<c>": 1}',
        '{"<c>": null}',
        '{"<c>": "attachment-9"}',
        '{"<c>": ""}',
        "[" * 100_000,
        '"str"',
    ],
)
def test_content_id_map_that_maps_nothing(value: str) -> None:
    message = with_cid_map(value)

    assert [(a.inline, a.content_id) for a in message.attachments] == [(False, None), (False, None)]


def test_attachments_follow_their_number_and_ignore_other_file_parts() -> None:
    parts = [
        UploadedPart("attachment-10", "ten.txt", "Text/Plain; charset=utf-8", b"10"),
        UploadedPart("attachment-2", "two.txt", None, b"2"),
        UploadedPart("upload", "other.txt", "text/plain", b"?"),
        UploadedPart("attachment-x", "x.txt", "text/plain", b"?"),
    ]
    message = parse_forward(ENVELOPE, parts)

    assert [(a.filename, a.content_type, a.size) for a in message.attachments] == [
        ("two.txt", "application/octet-stream", 1),
        ("ten.txt", "text/plain", 2),
    ]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("C:\\x\\evil.txt", "evil.txt"),
        ("../../etc/passwd", "passwd"),
        ("/abs/path/", None),
        ("dir\\", None),
        ("", None),
        ("  ", None),
        ("..", None),
        (None, None),
        ("a\x00b\r\n.txt", "ab.txt"),
        ("report final.pdf", "report final.pdf"),
        ("Résumé.pdf", "Résumé.pdf"),
    ],
)
def test_uploaded_filenames_are_sanitised(given: str | None, expected: str | None) -> None:
    message = parse_forward(ENVELOPE, [UploadedPart("attachment-1", given, "text/plain", b"x")])

    assert message.attachments[0].filename == expected


def test_store_notify_content_id_maps_onto_stored_attachments() -> None:
    stored = json.dumps(
        [
            {"url": "https://se.api.mailgun.net/a/0", "name": "a.png", "size": 1},
            {"url": "https://se.api.mailgun.net/a/1", "name": "b.png", "size": 2},
            "junk",
        ]
    )
    message = parse_forward(
        [
            *ENVELOPE,
            ("attachments", stored),
            ("message-url", "https://se.api.mailgun.net/m"),
            ("content-id-map", '{"<img1>": "attachment-2"}'),
        ],
        [],
    )

    assert [(s["name"], s["content-id"], s["inline"]) for s in message.stored_attachments] == [
        ("a.png", None, False),
        ("b.png", "img1", True),
    ]
    assert message.storage_url == "https://se.api.mailgun.net/m"


def test_store_notify_empty_content_id_still_marks_the_stored_attachment_inline() -> None:
    stored = json.dumps([{"url": "https://se.api.mailgun.net/a/0", "name": "a.png", "size": 1}])
    message = parse_forward(
        [*ENVELOPE, ("attachments", stored), ("message-url", "https://se.api.mailgun.net/m"),
         ("content-id-map", '{"": "https://se.api.mailgun.net/a/0"}')],
        [],
    )  # fmt: skip

    assert [(s["content-id"], s["inline"]) for s in message.stored_attachments] == [("", True)]


@pytest.mark.parametrize(
    ("fields", "domain"),
    [
        ([("domain", "Mg.Example.COM."), ("recipient", "a@other.example")], "mg.example.com"),
        ([("recipient", "Name <A@Inbound.Example>, b@second.example")], "inbound.example"),
        ([("message-url", "https://se.api.mailgun.net/v3/domains/mg.example/messages/KEY")], "mg.example"),
        ([("recipient", "no-at-sign")], None),
    ],
)
def test_domain_precedence(fields: list[tuple[str, str]], domain: str | None) -> None:
    assert parse_forward(fields, []).domain == domain


@pytest.mark.parametrize(
    "fields",
    [
        [],
        [("timestamp", "1"), ("token", "t"), ("signature", "s")],
        [("recipient", "  "), ("message-headers", "[]")],
    ],
)
def test_nothing_to_parse_is_the_one_error(fields: list[tuple[str, str]]) -> None:
    with pytest.raises(InboundParseError):
        parse_forward(fields, [])


def test_empty_body_fields_stay_empty_strings() -> None:
    message = parse_forward([*ENVELOPE, ("body-plain", ""), ("stripped-signature", "")], [])

    assert (message.body_text, message.stripped_signature, message.body_html) == ("", "", None)


MIME = b"From: a@sender.example\r\nSubject: caf\xc3\xa9 \xff\r\n\r\nbody\r\n"


def test_mime_forward_file_part_wins_and_keeps_bytes() -> None:
    parts = [UploadedPart("body-mime", None, "message/rfc822", MIME)]
    message = parse_mime_forward([*ENVELOPE, ("body-mime", "Subject: ignored\r\n\r\nx")], parts)

    assert message.raw_mime == MIME
    assert message.subject == "café \ufffd"
    assert (message.recipient, message.sender, message.domain) == (
        "in@inbound.example",
        "bounce@sender.example",
        "inbound.example",
    )


def test_mime_forward_text_field_with_surrogate_escapes_gets_its_bytes_back() -> None:
    message = parse_mime_forward([*ENVELOPE, ("body-mime", MIME.decode("utf-8", "surrogateescape"))], [])

    assert message.raw_mime == MIME


def test_mime_forward_without_body_mime_reads_parsed_fields() -> None:
    message = parse_mime_forward([*ENVELOPE, ("body-mime", "  "), ("body-plain", "plain")], [])

    assert (message.body_text, message.raw_mime) == ("plain", None)


def test_stored_message_fetched_as_mime() -> None:
    obj = {
        "recipients": "in@inbound.example",
        "sender": "bounce@sender.example",
        "subject": "stale",
        "body-mime": MIME.decode("utf-8", "surrogateescape"),
    }
    message = parse_stored_message(
        obj, storage_url="https://storage-europe-west1.api.mailgun.net/v3/domains/eu.example/messages/KEY"
    )

    assert message.raw_mime == MIME
    assert message.subject == "café \ufffd"
    assert message.recipient == "in@inbound.example"
    assert message.domain == "inbound.example"
    assert message.storage_url is not None and "eu.example" in message.storage_url


def test_stored_message_with_odd_json_shapes() -> None:
    obj: dict[str, object] = {
        "recipients": 5,
        "message-headers": [["From", "z@x.example"], "bad"],
        "attachments": {"not": "a list"},
        "content-id-map": ["x"],
        "From": 3,
        "body-mime": 12,
        "body-plain": "text",
    }
    message = parse_stored_message(obj)

    assert message.recipient is None
    assert message.headers == [("From", "z@x.example")]
    assert message.from_address == "z@x.example"
    assert (message.stored_attachments, message.body_text) == ([], "text")


@pytest.mark.parametrize("obj", [[], "body", None, 3])
def test_stored_message_that_is_not_an_object(obj: object) -> None:
    with pytest.raises(InboundParseError):
        parse_stored_message(obj)  # type: ignore[arg-type]


def test_stored_message_bytes_body_mime() -> None:
    message = parse_stored_message({"body-mime": MIME})

    assert message.raw_mime == MIME
    assert message.domain is None


def test_content_hash_over_raw_mime() -> None:
    message = parse_mime_forward([*ENVELOPE, ("body-mime", MIME.decode("utf-8", "surrogateescape"))], [])

    assert message.content_hash == hashlib.sha256(MIME).hexdigest() == content_hash(message)


def test_content_hash_of_parsed_parts_ignores_the_envelope_only() -> None:
    base = [("message-headers", '[["Message-Id", "<m@x>"]]'), ("body-plain", "hi")]
    first = parse_forward([*ENVELOPE, *base], files(1))
    again = parse_forward([("recipient", "someone-else@inbound.example"), *base], files(1))
    other_body = parse_forward([*ENVELOPE, *base[:1], ("body-plain", "hi!")], files(1))
    other_file = parse_forward([*ENVELOPE, *base], [dataclasses.replace(files(1)[0], content=b"y")])

    assert first.content_hash == again.content_hash
    assert len({first.content_hash, other_body.content_hash, other_file.content_hash}) == 3
    assert len(first.content_hash) == 64


def test_dataclasses_are_frozen_with_slots() -> None:
    message = parse_forward(ENVELOPE, files(1))

    with pytest.raises(dataclasses.FrozenInstanceError):
        message.subject = "changed"  # type: ignore[misc]
    assert not hasattr(message, "__dict__")
    assert not hasattr(message.attachments[0], "__dict__")
    assert isinstance(message.attachments[0], InboundAttachment)
    assert "content=" not in repr(message.attachments[0])  # megabytes of bytes stay out of logs
