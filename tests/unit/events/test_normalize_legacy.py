"""Legacy form webhooks and the form body decoder."""

from __future__ import annotations

import json
from typing import Any

import pytest

from workers.events.normalize import (
    NormalizationError,
    NormalizedEvent,
    decode_form_body,
    normalize_legacy_form,
)

URLENCODED = "application/x-www-form-urlencoded"
BASE = [("event", "opened"), ("recipient", "a@example.com"), ("timestamp", "1461261330"),
        ("token", "t" * 50), ("signature", "s" * 64)]  # fmt: skip


def legacy(pairs: list[tuple[str, str]], **context: Any) -> NormalizedEvent:
    context.setdefault("domain_regions", {})
    return normalize_legacy_form(pairs, **context)


def headers_json(*pairs: tuple[str, object]) -> str:
    return json.dumps([list(pair) for pair in pairs])


# --- Mailgun's value against the user variable's ---


def test_mailgun_value_is_first_for_ordinary_fields_and_last_for_signing_fields() -> None:
    pairs = [("event", "clicked"), ("event", "user-event"), ("timestamp", "user-time"),
             ("timestamp", "1461261330"), ("token", "x"), ("url", "http://u")]  # fmt: skip
    event = legacy(pairs)
    assert event.event == "clicked"
    assert event.occurred_at.isoformat() == "2016-04-21T17:55:30+00:00"
    assert event.user_variables == {"event": "user-event", "timestamp": "user-time"}


def test_unknown_fields_are_user_variables_and_known_ones_are_not() -> None:
    pairs = [*BASE, ("plan", "gold"), ("h", "x"), ("X-Mailgun-Sid", "sid"), ("attachment-1", "f.txt")]
    assert legacy(pairs).user_variables == {"plan": "gold"}


def test_a_repeated_unknown_field_keeps_all_values() -> None:
    assert legacy([*BASE, ("k", "1"), ("k", "2")]).user_variables == {"k": ["1", "2"]}


def test_x_mailgun_variables_header_wins_with_its_types() -> None:
    variables = json.dumps({"order": 42, "plan": "gold"})
    pairs = [*BASE, ("order", "42"), ("message-headers", headers_json(("X-Mailgun-Variables", variables)))]
    assert legacy(pairs).user_variables == {"order": 42, "plan": "gold"}


# --- fields ---


def test_tags_come_from_tag_then_x_mailgun_tag_deduplicated() -> None:
    pairs = [*BASE, ("X-Mailgun-Tag", "z"), ("X-Mailgun-Tag", "y"), ("tag", "a"), ("tag", "z"), ("tag", "c")]
    assert legacy(pairs).tags == ["a", "z", "c", "y"]


@pytest.mark.parametrize(
    "extra",
    [
        [("Message-Id", "<m@x>")],
        [("message-id", "m@x")],
        [("message-headers", headers_json(("Message-Id", "<m@x>")))],
    ],
)
def test_message_id_sources(extra: list[tuple[str, str]]) -> None:
    assert legacy([*BASE, *extra]).message_id == "m@x"


def test_recipient_falls_back_to_the_to_header() -> None:
    headers = headers_json(("To", "Bob <Bob@Example.com>"), ("Content-Type", ["a", {}]))
    pairs = [("event", "delivered"), ("timestamp", "1461261330"), ("message-headers", headers)]
    assert legacy(pairs).recipient == "bob@example.com"


def test_unreadable_message_headers_are_ignored() -> None:
    event = legacy([*BASE, ("message-headers", "[[not json")])
    assert event.message_id is None
    assert event.user_variables == {}


def test_domain_field_then_hint_and_region_from_configuration() -> None:
    event = legacy([*BASE, ("domain", "Mail.Example.com")], domain_hint="h.example")
    assert event.domain == "mail.example.com"
    event = legacy(BASE, domain_hint="h.example", domain_regions={"h.example": "eu"})
    assert (event.domain, event.region) == ("h.example", "eu")


def test_legacy_codes_and_reasons() -> None:
    pairs = [*BASE[1:], ("event", "dropped"), ("code", "605"), ("reason", "hardfail"), ("description", "d")]
    event = legacy(pairs)
    assert (event.type, event.reason) == ("rejected", "hardfail (605)")
    assert event.delivery_status == {"code": 605, "enhanced_code": None, "message": None, "description": "d",
                                     "attempt_no": None, "bounce_type": None}  # fmt: skip


def test_a_pseudo_code_without_a_reason_names_the_event() -> None:
    assert legacy([*BASE[1:], ("event", "dropped"), ("code", "607")]).reason == "dropped (607)"


def test_an_ordinary_code_leaves_the_reason_alone() -> None:
    event = legacy([*BASE[1:], ("event", "bounced"), ("code", "550"), ("notification", "gone")])
    assert event.reason is None
    assert event.delivery_status is not None and event.delivery_status["message"] == "gone"


def test_overlong_legacy_event_names_fit_the_column() -> None:
    event = legacy([*BASE[1:], ("event", "Y" * 100)])
    assert (event.event, event.type) == ("y" * 64, "unknown")


def test_mailing_list_field() -> None:
    event = legacy([*BASE, ("mailing-list", "list@example.com")])
    assert event.mailing_list == {"address": "list@example.com"}


# --- errors ---


@pytest.mark.parametrize(
    "pairs",
    [
        [],
        [("recipient", "a@b.c")],
        [("event", ""), ("timestamp", "1461261330")],
        [("event", "opened")],
        [("event", "opened"), ("timestamp", "soon")],
    ],
)
def test_posts_without_an_event_or_time_are_refused(pairs: list[tuple[str, str]]) -> None:
    with pytest.raises(NormalizationError):
        legacy(pairs)


def test_an_inbound_post_says_so() -> None:
    with pytest.raises(NormalizationError, match="inbound"):
        legacy([("sender", "a@b.c"), ("timestamp", "1461261330")])


@pytest.mark.parametrize("fields", ["event=opened", b"x", [("a",)], [("a", 1)], None, [["a", "b", "c"]]])
def test_malformed_field_lists_are_refused(fields: Any) -> None:
    with pytest.raises(NormalizationError):
        legacy(fields)


# --- derived ids ---


def test_same_legacy_event_twice_gets_one_id_even_when_signed_again() -> None:
    again = [("event", "opened"), ("recipient", "a@example.com"), ("timestamp", "1461261330"),
             ("token", "u" * 50), ("signature", "v" * 64)]  # fmt: skip
    assert legacy(BASE).mailgun_event_id == legacy(again).mailgun_event_id
    assert legacy(BASE).mailgun_event_id.startswith("legacy-")


@pytest.mark.parametrize(
    "change",
    [
        ("event", "clicked"),
        ("recipient", "b@example.com"),
        ("timestamp", "1461261331"),
        ("Message-Id", "<other@x>"),
        ("url", "http://other"),
        ("ip", "10.0.0.2"),
        ("code", "607"),
        ("user-agent", "Other"),
    ],
)
def test_different_legacy_events_get_different_ids(change: tuple[str, str]) -> None:
    name, value = change
    changed = [(n, v) for n, v in BASE if n != name] + [(name, value)]
    assert legacy(changed).mailgun_event_id != legacy(BASE).mailgun_event_id


# --- form bodies ---


def test_urlencoded_keeps_order_repeats_and_blanks() -> None:
    body = b"tag=a&event=opened&tag=b&empty=&plus=a+b%21"
    assert decode_form_body(f"{URLENCODED}; charset=utf-8", body) == [
        ("tag", "a"), ("event", "opened"), ("tag", "b"), ("empty", ""), ("plus", "a b!"),
    ]  # fmt: skip


def test_invalid_utf8_is_replaced() -> None:
    assert decode_form_body(URLENCODED, b"k=%FF%FE&\xff=v") == [("k", "\ufffd\ufffd"), ("\ufffd", "v")]


def multipart(*parts: bytes, boundary: str = "XyZ") -> tuple[str, bytes]:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return f"multipart/form-data; boundary={boundary}", body + b"--" + boundary.encode() + b"--\r\n"


def field(name: str, value: bytes, extra: bytes = b"") -> bytes:
    return b'Content-Disposition: form-data; name="' + name.encode() + b'"' + extra + b"\r\n\r\n" + value


def test_multipart_fields_in_order_with_files_as_their_names() -> None:
    content_type, body = multipart(
        field("event", b"bounced"),
        field("tag", "caf\u00e9".encode()),
        field("attachment-1", b"\x00\x01binary", b'; filename="msg.eml"\r\nContent-Type: message/rfc822'),
        field("tag", b"two"),
    )
    assert decode_form_body(content_type, body) == [
        ("event", "bounced"), ("tag", "caf\u00e9"), ("attachment-1", "msg.eml"), ("tag", "two"),
    ]  # fmt: skip


def test_multipart_part_charset_is_honoured_and_bad_charsets_fall_back() -> None:
    content_type, body = multipart(
        field("a", "\u00e9".encode("latin-1"), b"\r\nContent-Type: text/plain; charset=latin-1"),
        field("b", b"ok", b"\r\nContent-Type: text/plain; charset=no-such-charset"),
    )
    assert decode_form_body(content_type, body) == [("a", "\u00e9"), ("b", "ok")]


def test_a_whole_legacy_bounce_survives_multipart() -> None:
    content_type, body = multipart(*(field(name, value.encode()) for name, value in BASE))
    assert legacy(decode_form_body(content_type, body)).event == "opened"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"{}"),
        ("text/plain", b"event=opened"),
        ("multipart/form-data", b"--x\r\n\r\n"),
        ("multipart/form-data; boundary=abc", b"no parts here"),
    ],
)
def test_unusable_bodies_are_refused(content_type: str, body: bytes) -> None:
    with pytest.raises(NormalizationError):
        decode_form_body(content_type, body)


def test_non_bytes_bodies_are_refused() -> None:
    with pytest.raises(NormalizationError):
        decode_form_body(URLENCODED, "event=opened")  # type: ignore[arg-type]
