"""Which hosts may receive the API key, what a post on an inbound URL is, and where a fetch falls back to."""

from __future__ import annotations

import pytest

from app.core.regions import DEFAULT_API_BASES, is_region_url, region_for_api_url
from workers.inbound.message import UploadedPart
from workers.inbound.route_form import RouteForm
from workers.inbound.triage import (
    fallback_url,
    fetch_refusal,
    is_inbound,
    message_region,
    misrouted_form,
    misrouted_json,
    parse_route_post,
    storage_key,
)

BASES = {"us": "http://127.0.0.1:9001", "eu": "http://127.0.0.1:9002"}


@pytest.mark.parametrize(
    ("url", "region", "allowed"),
    [
        ("https://storage-us-east4.api.mailgun.net/v3/domains/d/messages/k", "us", True),
        ("https://storage-europe-west1.api.mailgun.net/v3/domains/d/messages/k", "eu", True),
        ("https://storage-europe-west1.api.mailgun.net/v3/domains/d/messages/k", "us", False),
        ("http://storage-us-east4.api.mailgun.net/v3/domains/d/messages/k", "us", False),  # no key in clear
        ("https://storage-us-east4.api.mailgun.net@evil.example/v3/messages/k", "us", False),
        ("https://evil.example/v3/domains/d/messages/k", "us", False),
        ("https://mailgun.net.evil.example/v3/domains/d/messages/k", "us", False),
        ("http://127.0.0.1:9001/v3/domains/d/messages/k", "us", True),  # the configured US base
        ("http://127.0.0.1:9002/v3/domains/d/messages/k", "us", False),  # the EU base, not US
        ("http://127.0.0.1:9003/v3/domains/d/messages/k", "us", False),  # same host, another port
        ("ftp://127.0.0.1:9001/x", "us", False),
        ("not a url", "us", False),
        ("", "us", False),
    ],
)
def test_the_key_goes_only_to_the_regions_hosts(url: str, region: str, allowed: bool) -> None:
    assert is_region_url(url, region, BASES) is allowed


def test_default_api_bases_count_as_their_regions_hosts() -> None:
    url = "https://api.eu.mailgun.net/v3/domains/d/messages/k"
    assert is_region_url(url, "eu", DEFAULT_API_BASES)
    assert not is_region_url(url, "us", DEFAULT_API_BASES)
    assert region_for_api_url("https://API.mailgun.net:443/x", DEFAULT_API_BASES) == "us"


def test_region_is_configuration_first_then_the_host_then_the_hint() -> None:
    regions = {"example.eu": "eu"}
    eu_storage = "https://storage-europe-west1.api.mailgun.net/v3/domains/x/messages/k"
    assert message_region("example.eu", None, "us", regions, BASES) == "eu"
    assert message_region("other.example", eu_storage, "us", regions, BASES) == "eu"
    assert message_region("other.example", "http://127.0.0.1:9001/x", None, regions, BASES) == "us"
    assert message_region("other.example", "https://evil.example/x", "EU", regions, BASES) == "eu"
    assert message_region(None, None, None, regions, BASES) is None


def test_refusals_say_why_and_what_to_configure() -> None:
    assert fetch_refusal("http://127.0.0.1:9001/v3/domains/d/messages/k", "us", BASES) is None
    assert "not a Mailgun host" in str(fetch_refusal("https://evil.example/m", "us", BASES))
    assert "MAILGUN_DOMAINS" in str(fetch_refusal("https://evil.example/m", None, BASES))
    assert "no usable message-url" in str(fetch_refusal(None, "us", BASES))
    other = fetch_refusal("http://127.0.0.1:9002/v3/domains/d/messages/k", "us", BASES)
    assert "belongs to region eu" in str(other) and "MAILGUN_API_BASE_US" in str(other)
    plain = fetch_refusal("http://storage-us-east4.api.mailgun.net/v3/domains/d/messages/k", "us", BASES)
    assert "is not https" in str(plain)


def test_the_fallback_is_the_regional_api_with_the_storage_key() -> None:
    url = "https://storage-us-east4.api.mailgun.net/v3/domains/mg.example.com/messages/AbC-123"
    assert storage_key(url) == "AbC-123"
    assert storage_key(url + "/attachments/0") is None
    assert storage_key("https://host/no-key-here") is None
    assert (
        fallback_url(url, "example.com", "us", BASES)
        == "http://127.0.0.1:9001/v3/domains/example.com/messages/AbC-123"
    )
    assert fallback_url(url, None, "us", BASES) is None
    assert fallback_url("https://host/elsewhere", "example.com", "us", BASES) is None


def test_rows_owned_by_the_inbound_processor() -> None:
    assert is_inbound("store_notify", "inbound") and is_inbound("inbound_mime", "inbound_mime")
    assert is_inbound("webhook", "inbound")  # JSON on an inbound URL: it decides the dead letter
    assert not is_inbound("webhook", "webhooks") and not is_inbound("legacy_webhook", "webhooks")


def test_misrouted_webhooks_are_named_with_the_fix() -> None:
    reason = misrouted_json("inbound_mime", b'{"event-data": {"event": "opened"}}')
    assert reason.startswith(
        "a tracking webhook (opened) was posted to the inbound URL /inbound/mailgun/mime"
    )
    assert "/webhooks/mailgun" in reason
    assert misrouted_json("inbound", b"[1, 2").startswith("a JSON tracking webhook")
    legacy = RouteForm(fields=[("event", "delivered"), ("recipient", "a@example.com")])
    assert "legacy tracking webhook (delivered)" in str(misrouted_form("inbound", legacy))
    mail_with_event_header = RouteForm(fields=[("event", "x"), ("body-plain", "hi")])
    assert misrouted_form("inbound", mail_with_event_header) is None


def test_a_post_is_parsed_by_what_it_carries() -> None:
    notify = RouteForm(
        fields=[("recipient", "a@example.com"), ("message-url", "https://h/v3/domains/d/messages/k")]
    )
    assert parse_route_post("inbound_mime", notify).store_notification  # a notification on the mime URL too
    raw = b"Subject: raw\r\n\r\nbody"
    mime = RouteForm(
        fields=[("recipient", "a@example.com")], files=[UploadedPart("body-mime", None, None, raw)]
    )
    parsed = parse_route_post("inbound", mime)
    assert not parsed.store_notification and parsed.message.raw_mime == raw
    plain = parse_route_post(
        "inbound", RouteForm(fields=[("recipient", "a@example.com"), ("body-plain", "x")])
    )
    assert (plain.store_notification, plain.message.body_text) == (False, "x")
