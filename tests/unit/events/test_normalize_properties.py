"""Whatever arrives, the normalizer answers with a storable event or a NormalizationError, nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC
from typing import Any
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core import json_body
from app.core.models.events_vocab import EventType
from workers.events import payload_decode
from workers.events.normalize import (
    NormalizationError,
    NormalizedEvent,
    decode_form_body,
    normalize_events_api_item,
    normalize_legacy_form,
    normalize_webhook_json,
)
from workers.events.payload_decode import json_safe

TYPES = set(EventType)
EVENT_NAMES = ["accepted", "delivered", "failed", "rejected", "opened", "clicked", "unsubscribed",
               "complained", "stored", "dropped", "bounced", "list_uploaded", "OPENED"]  # fmt: skip
NEW_KEYS = ["event", "timestamp", "id", "severity", "reason", "recipient", "domain", "storage", "envelope",
            "message", "tags", "user-variables", "delivery-status", "url", "ip", "client-info",
            "geolocation", "mailing-list", "reject", "error"]  # fmt: skip
LEGACY_NAMES = ["event", "timestamp", "token", "signature", "recipient", "domain", "message-headers",
                "Message-Id", "message-id", "tag", "X-Mailgun-Tag", "code", "error", "description",
                "notification", "reason", "url", "ip", "mailing-list", "sender", "attachment-1"]  # fmt: skip
CONTEXT: dict[str, Any] = {"domain_regions": {"example.com": "eu"}, "region_hint": None, "domain_hint": None}
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip
timestamps = st.floats(min_value=946_684_800, max_value=4_102_444_799) | st.integers(
    min_value=946_684_800, max_value=4_102_444_799
)
storage_urls = st.text().map(lambda path: "https://se.api.mailgun.net/v3/domains/" + path)
header_keys = st.sampled_from(["to", "message-id"])
status_keys = st.sampled_from(["code", "enhanced-code", "attempt-no", "message"])
# Values of the right outline for the keys the normalizer reads, so examples get past the first checks.
plausible = {
    "event": st.sampled_from(EVENT_NAMES),
    "timestamp": timestamps | timestamps.map(str),
    "message": st.fixed_dictionaries({"headers": st.dictionaries(header_keys, st.text())}),
    "storage": st.fixed_dictionaries({"url": storage_urls}),
    "delivery-status": st.dictionaries(status_keys, scalars),
}
event_objects = st.fixed_dictionaries(
    {}, optional={key: plausible.get(key, json_values) | json_values for key in NEW_KEYS}
)
valid_event_objects = st.fixed_dictionaries(
    {"event": st.sampled_from(EVENT_NAMES), "timestamp": timestamps},
    optional={key: json_values for key in NEW_KEYS[2:]},
)
field_names = st.sampled_from(LEGACY_NAMES) | st.text()
field_values = st.sampled_from(EVENT_NAMES) | timestamps.map(str) | st.text()
legacy_pairs = st.lists(st.tuples(field_names, field_values), max_size=12)
# Posts that usually name an event and a time, so most examples reach the whole of the legacy reader.
event_pairs = st.tuples(st.just("event"), st.sampled_from(EVENT_NAMES))
time_pairs = st.tuples(st.just("timestamp"), timestamps.map(str))
anchors = st.lists(event_pairs | time_pairs, min_size=2, max_size=4)
legacy_posts = st.tuples(anchors, legacy_pairs).map(lambda p: p[0] + p[1]).flatmap(st.permutations)


def storable_or_refused(call: Callable[[], NormalizedEvent]) -> NormalizedEvent | None:
    """The call's event, checked fit for the events table; None when it refused with NormalizationError."""
    try:
        event = call()
    except NormalizationError as exc:
        assert str(exc)
        return None
    assert_storable(event)
    return event


def assert_storable(event: NormalizedEvent) -> None:
    row = event.as_row()
    text = json.dumps(row, default=str, allow_nan=False, ensure_ascii=False)
    text.encode("utf-8")  # a lone surrogate would fail here, as it would in Postgres
    assert "\x00" not in text
    assert row["type"] in TYPES
    assert row["region"] in ("us", "eu")
    assert row["occurred_at"].tzinfo is UTC
    assert row["mailgun_event_id"]
    assert isinstance(row["user_variables"], dict)
    assert all(isinstance(tag, str) and tag for tag in row["tags"])
    assert len(row["event"]) <= 64


@PROPERTY_SETTINGS
@given(json_values)
def test_any_json_body(body: Any) -> None:
    storable_or_refused(lambda: normalize_webhook_json(body, **CONTEXT))


@PROPERTY_SETTINGS
@given(event_objects, json_values)
def test_any_event_data(data: dict[str, Any], signature: Any) -> None:
    body = {"signature": signature, "event-data": data}
    storable_or_refused(lambda: normalize_webhook_json(body, **CONTEXT))
    storable_or_refused(lambda: normalize_events_api_item(data, **CONTEXT))


@PROPERTY_SETTINGS
@given(valid_event_objects, st.sampled_from([None, "eu", "nowhere"]), st.text() | st.none())
def test_unknown_fields_and_shapes_never_refuse_a_named_timed_event(
    data: dict[str, Any], region_hint: str | None, domain_hint: str | None
) -> None:
    context = {**CONTEXT, "region_hint": region_hint, "domain_hint": domain_hint}
    first = normalize_events_api_item(data, **context)
    assert_storable(first)
    assert normalize_events_api_item(data, **context).as_row() == first.as_row()


@PROPERTY_SETTINGS
@given(legacy_pairs | legacy_posts)
def test_any_legacy_fields(pairs: list[tuple[str, str]]) -> None:
    event = storable_or_refused(lambda: normalize_legacy_form(pairs, **CONTEXT))
    if event is not None:
        assert event.source == "legacy_webhook"
        assert event.mailgun_event_id.startswith("legacy-")


@PROPERTY_SETTINGS
@given(json_values)
def test_any_object_as_legacy_fields(fields: Any) -> None:
    storable_or_refused(lambda: normalize_legacy_form(fields, **CONTEXT))


@PROPERTY_SETTINGS
@given(legacy_pairs)
def test_urlencoding_round_trips(pairs: list[tuple[str, str]]) -> None:
    from urllib.parse import urlencode

    clean = [(name, value) for name, value in pairs if _is_clean(name) and _is_clean(value)]
    body = urlencode(clean).encode("utf-8")
    assert decode_form_body("application/x-www-form-urlencoded", body) == clean


def _is_clean(text: str) -> bool:
    """Text that survives a form round trip unchanged (no NUL, no lone surrogate)."""
    return "\x00" not in text and not any(0xD800 <= ord(char) <= 0xDFFF for char in text)


content_types = st.sampled_from(
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=XyZ", "multipart/form-data",
     "multipart/form-data; boundary=\"a b\"", "text/plain", ""]
) | st.text()  # fmt: skip


def multipart_body(parts: list[tuple[str, bytes, bytes]]) -> bytes:
    chunks = [
        b'--XyZ\r\nContent-Disposition: form-data; name="%s"%s\r\n\r\n%s\r\n'
        % (name.encode("utf-8", "replace"), extra, value)
        for name, value, extra in parts
    ]
    return b"".join(chunks) + b"--XyZ--\r\n"


form_parts = st.tuples(
    st.text(max_size=10), st.binary(max_size=20), st.sampled_from([b"", b'; filename="f"'])
)
bodies = st.binary(max_size=300) | st.lists(form_parts, max_size=4).map(multipart_body)


@PROPERTY_SETTINGS
@given(content_types, bodies)
def test_any_form_body(content_type: str, body: bytes) -> None:
    try:
        pairs = decode_form_body(content_type, body)
    except NormalizationError:
        return
    assert all(isinstance(name, str) and isinstance(value, str) for name, value in pairs)
    json.dumps(pairs, ensure_ascii=False).encode("utf-8")
    storable_or_refused(lambda: normalize_legacy_form(pairs, **CONTEXT))


@PROPERTY_SETTINGS
@given(st.sampled_from(EVENT_NAMES), st.emails(), st.integers(1_000_000_000, 2_000_000_000), st.text())
def test_legacy_ids_are_stable_across_retries_and_distinct_across_events(
    event: str, recipient: str, timestamp: int, token: str
) -> None:
    def post(ts: int, signing: str) -> list[tuple[str, str]]:
        return [("event", event), ("recipient", recipient), ("timestamp", str(ts)), ("token", signing)]

    first = normalize_legacy_form(post(timestamp, token), **CONTEXT).mailgun_event_id
    assert normalize_legacy_form(post(timestamp, token + "x"), **CONTEXT).mailgun_event_id == first
    assert normalize_legacy_form(post(timestamp + 1, token), **CONTEXT).mailgun_event_id != first


@PROPERTY_SETTINGS
@given(json_values)
def test_a_body_judged_storable_as_decoded_needs_no_cleaning(value: Any) -> None:
    # The drain keeps such a payload as decoded instead of copying it through json_safe: that is only
    # right if the copy would have changed nothing.
    body = json.dumps({"event-data": value}, ensure_ascii=bool(hash(repr(value)) % 2)).encode(
        "utf-8", "surrogatepass"
    )
    document, storable = json_body.loads_checked(body)
    if storable:
        assert json_safe(document) == document


@PROPERTY_SETTINGS
@given(st.floats(allow_nan=True, allow_infinity=True) | st.floats(9e8, 4.2e9) | st.floats(9e17, 2e18))
def test_a_float_timestamp_read_from_its_digits_is_the_decimal_reading(value: float) -> None:
    # parse_timestamp reads a plain float's shortest text directly and leaves the rest to Decimal arithmetic:
    # both must agree to the microsecond, and on what they refuse.
    def reading(parse: Callable[[object], Any]) -> Any:
        try:
            return parse(value)
        except NormalizationError as exc:
            return str(exc)

    fast = reading(payload_decode.parse_timestamp)
    with patch.object(payload_decode, "_plain_seconds", lambda text: None):
        assert reading(payload_decode.parse_timestamp) == fast
