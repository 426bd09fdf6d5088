"""Every event payload of the shared Mailgun corpus normalizes to the hand-written expectations."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from tests.unit.events.normalize_expected import DOMAIN_REGIONS, EVENTS_API_FILE, EXPECTED
from workers.events.normalize import (
    NormalizedEvent,
    decode_form_body,
    normalize_events_api_item,
    normalize_legacy_form,
    normalize_webhook_json,
)

PAYLOADS = Path(__file__).resolve().parents[3].parent / "shared" / "mailgun" / "payloads"
EVENT_FORMATS = (".webhook-json.", ".event-data.", ".legacy-form.")

pytestmark = pytest.mark.skipif(not PAYLOADS.is_dir(), reason=f"payload corpus not found at {PAYLOADS}")


def _load(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def legacy_pairs(document: dict[str, Any]) -> list[tuple[str, str]]:
    """The posted pairs: decoded from the raw body when the corpus kept it, else rebuilt from `fields`."""
    if "_raw_body" in document:
        return decode_form_body("application/x-www-form-urlencoded", document["_raw_body"].encode("utf-8"))
    pairs: list[tuple[str, str]] = []
    for name, value in document["fields"].items():
        pairs.extend((name, item) for item in (value if isinstance(value, list) else [value]))
    return pairs


def normalize_case(key: str) -> NormalizedEvent:
    name, _, page = key.partition("#")
    document = _load(name)
    if page:
        return normalize_events_api_item(document[page]["items"][0], domain_regions=DOMAIN_REGIONS)
    if ".webhook-json." in name:
        return normalize_webhook_json(document, domain_regions=DOMAIN_REGIONS)
    if ".event-data." in name:
        return normalize_events_api_item(document, domain_regions=DOMAIN_REGIONS)
    return normalize_legacy_form(legacy_pairs(document), domain_regions=DOMAIN_REGIONS)


def test_every_event_payload_in_the_corpus_has_expectations() -> None:
    files = {path.name for path in PAYLOADS.glob("*.json") if any(f in path.name for f in EVENT_FORMATS)}
    pages = {f"{EVENTS_API_FILE}#{page}" for page in _load(EVENTS_API_FILE)}
    assert files | pages == set(EXPECTED)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_payload_normalizes_as_expected(key: str) -> None:
    expected = EXPECTED[key]
    row = normalize_case(key).as_row()

    expected_id = expected["mailgun_event_id"]
    if expected_id in ("derived-", "legacy-"):
        assert row["mailgun_event_id"].startswith(expected_id)
        assert len(row["mailgun_event_id"]) == len(expected_id) + 40
    else:
        assert row["mailgun_event_id"] == expected_id
    assert row["occurred_at"].tzinfo is UTC
    assert row["occurred_at"].isoformat() == expected["occurred_at"]
    for field in expected.keys() - {"mailgun_event_id", "occurred_at"}:
        assert row[field] == expected[field], field


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_source_matches_the_format(key: str) -> None:
    source = normalize_case(key).source
    if ".legacy-form." in key:
        assert source == "legacy_webhook"
    elif ".webhook-json." in key:
        assert source == "webhook"
    else:
        assert source == "events_api"


def test_webhook_payload_is_the_event_data_not_the_signature_envelope() -> None:
    name = "delivered.webhook-json.anymail-real-sanitized.json"
    event = normalize_case(name)
    assert event.payload == _load(name)["event-data"]
    assert "signature" not in event.payload


def test_legacy_payload_keeps_repeated_fields_as_lists_in_posted_order() -> None:
    event = normalize_case("clicked-user-variable-collisions.legacy-form.anymail-simulated.json")
    assert event.payload["token"] == ["metadata-token", "actual-event-token"]
    assert event.payload["url"] == "http://clicked.example.com/actual/event/param"


def test_tracking_details_are_carried_over() -> None:
    event = normalize_case("opened.webhook-json.anymail.json")
    assert event.client_info is not None and event.client_info["client-name"] == "Chrome"
    assert event.geolocation == {"country": "US", "region": "CA", "city": "San Francisco"}


def test_legacy_tracking_details_take_the_new_format_keys() -> None:
    event = normalize_case("clicked.legacy-form.snowplow-mailgun-test.json")
    assert event.client_info is not None and event.client_info["device-type"] == "desktop"
    assert event.geolocation == {"country": "US", "region": "CA", "city": "San Francisco"}


def test_mailing_list_events_keep_the_list() -> None:
    event = normalize_case("list_uploaded.event-data.mailgun-docs-api-events.json")
    assert event.mailing_list == {"address": "list@example.com"}


def test_storage_url_is_kept_verbatim() -> None:
    event = normalize_case("delivered.webhook-json.hga-eu-storage.json")
    assert event.storage_url is not None
    assert event.storage_url.startswith("https://storage.eu.mailgun.net/v3/domains/automated-mail.test.live/")


def test_derived_ids_in_the_corpus_are_all_different() -> None:
    derived = [
        normalize_case(key).mailgun_event_id
        for key, expected in EXPECTED.items()
        if expected["mailgun_event_id"] in ("derived-", "legacy-")
    ]
    assert len(derived) == len(set(derived)) > 10
