"""The normalization rules one at a time, on small hand-made JSON events."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from workers.events.normalize import (
    NormalizationError,
    NormalizedEvent,
    normalize_events_api_item,
    normalize_webhook_json,
)
from workers.events.payload_decode import parse_timestamp

TS = 1529006854.329574


def item(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"event": "delivered", "timestamp": TS, "id": "abc"}
    base.update({key.replace("_", "-"): value for key, value in fields.items()})
    return base


def norm(data: dict[str, Any], **context: Any) -> NormalizedEvent:
    context.setdefault("domain_regions", {})
    return normalize_events_api_item(data, **context)


# --- time ---


def test_the_time_is_cut_to_the_millisecond_the_logs_apis_precision() -> None:
    assert norm(item()).occurred_at == datetime(2018, 6, 14, 20, 7, 34, 329000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "micros", "kept"),
    [
        (1529006854.000001, 1, 0),
        (1529006854.999999, 999999, 999000),
        (1666214138.4046676, 404668, 404000),
        (1529006854.0019999, 2000, 2000),  # the float's digits are read exactly first, then cut
        (1529006854, 0, 0),
    ],
)
def test_fractions_become_exact_microseconds_then_milliseconds(value: float, micros: int, kept: int) -> None:
    assert parse_timestamp(value).microsecond == micros
    assert norm(item(timestamp=value)).occurred_at.microsecond == kept


@pytest.mark.parametrize(
    "value", ["1529006854.329574", 1529006854329.574, 1529006854329574, 1529006854329574000]
)
def test_text_and_finer_units_read_as_the_same_instant(value: object) -> None:
    assert norm(item(timestamp=value)).occurred_at == norm(item()).occurred_at


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "soon",
        True,
        float("nan"),
        float("inf"),
        -1,
        12,
        4102444800,
        "1e999999",
        pytest.param(10**5000, id="huge-int"),
        [],
        {},
    ],
)
def test_missing_or_absurd_timestamps_are_refused(value: object) -> None:
    with pytest.raises(NormalizationError, match="timestamp"):
        norm(item(timestamp=value))


# --- shape errors ---


@pytest.mark.parametrize("body", [None, [], "x", 3, {"signature": {}}, {"event-data": []}])
def test_webhook_bodies_without_an_event_object_are_refused(body: object) -> None:
    with pytest.raises(NormalizationError):
        normalize_webhook_json(body, domain_regions={})


@pytest.mark.parametrize("name", [None, "", "   ", 7, ["opened"]])
def test_an_event_needs_a_name(name: object) -> None:
    with pytest.raises(NormalizationError, match="event"):
        norm(item(event=name))


def test_error_messages_say_what_is_wrong() -> None:
    with pytest.raises(NormalizationError, match="no `event-data`"):
        normalize_webhook_json({"signature": {}}, domain_regions={})


def test_webhook_and_events_api_agree_on_the_same_event() -> None:
    data = item(recipient="a@example.com")
    hook = normalize_webhook_json({"signature": {}, "event-data": data}, domain_regions={})
    poll = norm(data)
    assert hook.as_row() | {"source": "x"} == poll.as_row() | {"source": "x"}
    assert (hook.source, poll.source) == ("webhook", "events_api")


# --- event names and types ---


@pytest.mark.parametrize(
    ("event", "severity", "expected"),
    [
        ("accepted", None, "queued"),
        ("UNSUBSCRIBED", None, "unsubscribed"),
        (" Opened ", None, "opened"),
        ("failed", "temporary", "deferred"),
        ("failed", "PERMANENT", "bounced"),
        ("list_member_uploaded", None, "unknown"),
        ("something_new", None, "unknown"),
    ],
)
def test_event_types(event: str, severity: str | None, expected: str) -> None:
    result = norm(item(event=event, severity=severity))
    assert result.type == expected
    assert result.event == event.strip().lower()


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        ({"code": 550}, None, "bounced"),
        ({"code": 605}, None, "bounced"),
        ({"code": 421}, None, "deferred"),
        ({"enhanced-code": "5.1.1"}, None, "bounced"),
        (None, "suppress-complaint", "bounced"),
        (None, "generic", "deferred"),
        (None, None, "deferred"),
    ],
)
def test_failures_with_an_odd_severity_need_evidence_to_count_as_bounces(
    status: dict[str, Any] | None, reason: str | None, expected: str
) -> None:
    result = norm(item(event="failed", severity="weird", delivery_status=status, reason=reason))
    assert result.type == expected
    assert result.severity == "weird"


def test_overlong_event_names_fit_the_column() -> None:
    assert len(norm(item(event="x" * 500)).event) == 64


# --- domain and region ---

STORAGE = "https://storage-europe-west1.api.mailgun.net/v3/domains/Stored.Example/messages/k"


def test_domain_prefers_the_payload_domain() -> None:
    data = item(domain={"name": "Mail.Example.COM"}, storage={"url": STORAGE}, envelope={"sender": "a@b.org"})
    assert norm(data, domain_hint="hint.example").domain == "mail.example.com"


def test_domain_falls_back_to_storage_then_sender_then_hint() -> None:
    assert norm(item(storage={"url": STORAGE}, envelope={"sender": "a@b.org"})).domain == "stored.example"
    assert norm(item(envelope={"sender": "Bounce <a@Sender.ORG>"})).domain == "sender.org"
    assert norm(item(), domain_hint="Hint.Example").domain == "hint.example"
    assert norm(item(), domain_hint="not a domain").domain is None


def test_region_prefers_configuration_over_the_storage_host() -> None:
    data = item(domain={"name": "stored.example"}, storage={"url": STORAGE})
    assert norm(data, domain_regions={"stored.example": "US"}, region_hint="eu").region == "us"
    assert norm(data, region_hint="us").region == "eu"


def test_region_falls_back_to_the_hint_then_us() -> None:
    assert norm(item(), region_hint=" EU ").region == "eu"
    assert norm(item(), region_hint="mars").region == "us"
    assert norm(item()).region == "us"


def test_an_unknown_configured_region_does_not_count() -> None:
    data = item(domain={"name": "x.example"})
    assert norm(data, domain_regions={"x.example": "asia"}, region_hint="eu").region == "eu"


# --- recipient, message id, tags, user variables ---


def test_recipient_is_lower_cased_whole() -> None:
    assert norm(item(recipient="  Alice.Smith@Example.COM ")).recipient == "alice.smith@example.com"


def test_recipient_falls_back_to_the_first_to_address() -> None:
    data = item(message={"headers": {"to": "Joan Doe <Joan@Example.org>, bob@example.org"}})
    assert norm(data).recipient == "joan@example.org"
    assert norm(item(message={"headers": {"to": "undisclosed-recipients:;"}})).recipient is None


@pytest.mark.parametrize("raw", ["<abc@host>", "  abc@host ", "< abc@host >"])
def test_message_ids_lose_brackets_and_whitespace(raw: str) -> None:
    assert norm(item(message={"headers": {"Message-Id": raw}})).message_id == "abc@host"


def test_tags_are_deduplicated_in_order() -> None:
    assert norm(item(tags=["b", "a", "b", "", 3, " a "])).tags == ["b", "a"]
    assert norm(item(tags="solo")).tags == ["solo"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"a": 1}, {"a": 1}),
        ([], {}),
        ('{"a": "1"}', {"a": "1"}),
        ("", {}),
        ("[]", {}),
        ("Error parsing user variables", {"_raw": "Error parsing user variables"}),
        ('["x"]', {"_raw": '["x"]'}),
        (42, {}),
        (None, {}),
    ],
)
def test_user_variables_are_always_a_dict(value: object, expected: dict[str, Any]) -> None:
    assert norm(item(user_variables=value)).user_variables == expected


# --- failure details ---


def test_delivery_status_has_one_shape() -> None:
    status = {"code": "550", "enhanced-code": "5.1.1", "message": "no", "description": None,
              "attempt-no": 2, "bounce-type": "hard", "mx-host": "mx"}  # fmt: skip
    assert norm(item(delivery_status=status)).delivery_status == {
        "code": 550,
        "enhanced_code": "5.1.1",
        "message": "no",
        "description": None,
        "attempt_no": 2,
        "bounce_type": "hard",
    }


def test_null_delivery_status_stays_null() -> None:
    assert norm(item(delivery_status=None)).delivery_status is None


def test_bounce_type_with_an_underscore_is_read_too() -> None:
    status = norm(item(delivery_status={"bounce_type": "soft"})).delivery_status
    assert status is not None and status["bounce_type"] == "soft"


def test_reason_of_a_rejection_comes_from_reject() -> None:
    assert norm(item(event="rejected", reject={"reason": "sandbox"})).reason == "sandbox"


# --- ids and rows ---


def test_events_without_an_id_get_a_stable_derived_one() -> None:
    data = item(id=None, recipient="a@example.com", message={"headers": {"message-id": "m@x"}})
    first, again = norm(data), norm(dict(data))
    assert first.mailgun_event_id == again.mailgun_event_id
    assert first.mailgun_event_id.startswith("derived-")
    assert norm({**data, "timestamp": TS + 1}).mailgun_event_id != first.mailgun_event_id
    assert norm({**data, "event": "opened"}).mailgun_event_id != first.mailgun_event_id


def test_derived_id_recipe_is_pinned() -> None:
    # Changing the recipe splits retries that straddle a deploy into two rows: change it deliberately.
    data = {"event": "opened", "timestamp": TS, "recipient": "a@example.com"}
    # event, message id, recipient, time, url, ip, reason, delivery status, client info
    parts = ["opened", None, "a@example.com", "2018-06-14T20:07:34.329574+00:00"] + [None] * 5
    digest = hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:40]
    assert digest == "e67c0f88b5e100624f64a3627b0309aa2a64873d"
    assert norm(data).mailgun_event_id == f"derived-{digest}"


def test_as_row_has_every_field_and_copies_it() -> None:
    event = norm(item(tags=["t"], user_variables={"k": "v"}))
    row = event.as_row()
    assert list(row) == list(NormalizedEvent.__dataclass_fields__)
    row["tags"].append("changed")
    assert event.tags == ["t"]


def test_postgres_unsafe_characters_are_replaced() -> None:
    event = norm(item(recipient="a\x00b@example.com", user_variables={"k\ud800": "v\x00"}))
    assert event.recipient == "a\ufffdb@example.com"
    assert event.user_variables == {"k\ufffd": "v\ufffd"}


def test_non_finite_numbers_in_the_payload_become_null() -> None:
    event = norm(item(extra={"score": float("nan")}))
    assert event.payload["extra"] == {"score": None}


def test_oversized_values_are_cut_to_index_safe_lengths() -> None:
    long_id, long_mid = "i" * 129, "m" * 600 + "@x"
    event = norm(item(id=long_id, recipient="r" * 400 + "@x", message={"headers": {"message-id": long_mid}}))
    assert event.mailgun_event_id.startswith("derived-")
    assert event.recipient is not None and len(event.recipient) == 320
    assert event.message_id == long_mid[:512]
    assert event.payload["id"] == long_id


def test_the_event_is_immutable() -> None:
    event = norm(item())
    with pytest.raises(AttributeError):
        event.type = "other"  # type: ignore[misc]
