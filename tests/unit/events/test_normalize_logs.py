"""Logs API items through the normalizer: `@timestamp`, a storage URL list, JSON-text user variables, and the
same key as the webhook that told the same event."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import PAYLOADS
from workers.events.logs_item import iso_epoch, log_time
from workers.events.normalize import NormalizationError, normalize_logs_api_item, normalize_webhook_json

REGIONS = {"example.com": "us"}


def documented_item() -> dict[str, Any]:
    """The Logs API's own example item (Mailgun's OpenAPI description)."""
    examples = json.loads((PAYLOADS / "api-examples" / "openapi-request-response-examples.json").read_text())
    [item] = examples["POST /v1/analytics/logs"]["responses"]["200"]["Example"]["items"]
    return dict(item)


def test_the_documented_item_normalizes() -> None:
    event = normalize_logs_api_item(documented_item(), domain_regions=REGIONS, region_hint="us")

    assert (event.mailgun_event_id, event.event, event.source) == (
        "JDhSWf9mT5OFxCkZfpDU5d",
        "failed",
        "logs_api",
    )
    assert event.occurred_at == datetime(2024, 7, 8, 16, 30, 18, 530000, tzinfo=UTC)
    assert (event.domain, event.region, event.recipient) == ("example.com", "us", "example@gmail.com")
    assert event.type == "bounced"  # no severity: a 6xx code is the normalizer's evidence of permanence
    assert event.payload == documented_item()  # the item as Mailgun gave it, `@timestamp` and all


def test_storage_urls_and_user_variables_take_the_webhook_shapes() -> None:
    urls = ["https://storage-europe-west1.api.mailgun.net/v3/x", "https://b"]
    item = {**documented_item(), "event": "stored", "user-variables": '{"order": "42"}',
            "storage": {"key": "k", "url": urls}}  # fmt: skip
    event = normalize_logs_api_item(item, domain_regions={})

    assert event.storage_url == "https://storage-europe-west1.api.mailgun.net/v3/x"
    assert event.user_variables == {"order": "42"}


@pytest.mark.parametrize("micros", ["908181", "908000", "908999", "908"])
def test_a_webhook_and_a_log_item_of_one_event_get_one_key(micros: str) -> None:
    data = {
        "id": "ev-1",
        "event": "delivered",
        "timestamp": float(f"1521472262.{micros}"),
        "recipient": "a@b.c",
    }
    webhook = normalize_webhook_json({"event-data": data}, domain_regions={})
    logged = normalize_logs_api_item(
        {**{k: v for k, v in data.items() if k != "timestamp"}, "@timestamp": "2018-03-19T15:11:02.908Z"},
        domain_regions={},
    )

    key = (webhook.mailgun_event_id, webhook.occurred_at, webhook.event)
    assert key == (logged.mailgun_event_id, logged.occurred_at, logged.event)
    assert webhook.occurred_at.microsecond == 908000


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("2024-07-08T16:30:18.530Z", Decimal("1720456218.530")),
        ("2024-07-08T16:30:18Z", Decimal("1720456218")),
        ("2024-07-08T18:30:18.5+02:00", Decimal("1720456218.5")),
        ("2024-07-08T16:30:18.123456789+0000", Decimal("1720456218.123456789")),
    ],
)
def test_iso_times_are_read_exactly(text: str, epoch: Decimal) -> None:
    assert iso_epoch(text) == epoch


@pytest.mark.parametrize(
    "value", [None, 1720456218.53, "2024-07-08 16:30", "2024-07-08T16:30:18.530", "2024-13-08T16:30:18Z", ""]
)
def test_a_time_that_is_not_iso_with_a_zone_is_refused(value: object) -> None:
    with pytest.raises(NormalizationError, match="@timestamp"):
        normalize_logs_api_item({"id": "x", "event": "delivered", "@timestamp": value}, domain_regions={})
    assert log_time({"@timestamp": value}) is None


def test_what_is_no_object_is_refused() -> None:
    with pytest.raises(NormalizationError, match="JSON object"):
        normalize_logs_api_item(["not", "an", "item"], domain_regions={})
