"""What an inbox row posted to an inbound route is: mail to parse, a store() notification, or a misrouted
tracking webhook. And where a store() notification's message may be fetched from.

Pure: decides from the row's kind, route and decoded form, and the configuration; no database, no network.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from app.core.models.inbox_vocab import InboxKind
from app.core.regions import (
    is_region_url,
    normalize_region,
    region_for_api_url,
    region_for_domain,
    region_for_url,
)
from workers.inbound.limits import DEFAULT_LIMITS, MimeLimits
from workers.inbound.parse import InboundMessage, parse_forward, parse_mime_forward
from workers.inbound.route_form import RouteForm

INBOUND_KINDS = (InboxKind.INBOUND, InboxKind.INBOUND_MIME, InboxKind.STORE_NOTIFY)
INBOUND_ROUTES = ("inbound", "inbound_mime")
# Only a route POST carries these; a tracking webhook never does.
_MAIL_FIELDS = ("body-mime", "body-plain", "body-html", "stripped-text", "message-url")
_WEBHOOK_FIX = (
    "register https://<this host>/webhooks/mailgun as the domain's webhook URL (the inbound URL is for "
    "routes' forward() and store(notify=...) only), then replay this row"
)


@dataclass(frozen=True, slots=True)
class Parsed:
    message: InboundMessage
    store_notification: bool


def is_inbound(kind: str, route: str) -> bool:
    """Rows this processor owns: inbound kinds, and anything that arrived on an inbound URL."""
    return kind in INBOUND_KINDS or route in INBOUND_ROUTES


def misrouted_json(route: str, body: bytes) -> str:
    """The dead-letter reason for JSON on an inbound URL: Mailgun only sends JSON for tracking webhooks."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        document = None
    # "event-data" may be anything a sender put there (null, a list): only an object has an event name.
    data = document.get("event-data") if isinstance(document, dict) else None
    event = data.get("event") if isinstance(data, dict) else None
    what = f"a tracking webhook ({event})" if isinstance(event, str) else "a JSON tracking webhook"
    return f"{what} was posted to the inbound URL {route_path(route)}: {_WEBHOOK_FIX}"


def misrouted_form(route: str, form: RouteForm) -> str | None:
    """Why a form on an inbound URL is a legacy tracking webhook (an event, no mail); None when it is not."""
    names = form.names
    if "event" not in names or any(name in names for name in _MAIL_FIELDS):
        return None
    event = next((value for name, value in form.fields if name == "event"), "")
    what = f"a legacy tracking webhook ({event[:40]})"
    return f"{what} was posted to the inbound URL {route_path(route)}: {_WEBHOOK_FIX}"


def route_path(route: str) -> str:
    return "/inbound/mailgun/mime" if route == "inbound_mime" else "/inbound/mailgun"


def parse_route_post(kind: str, form: RouteForm, limits: MimeLimits = DEFAULT_LIMITS) -> Parsed:
    """The message a route POST carries. A post with `message-url` and no `body-mime` is a store()
    notification whatever URL it came to. Raises InboundParseError when it carries nothing."""
    names = form.names
    if "message-url" in names and "body-mime" not in names:
        return Parsed(parse_forward(form.fields, form.files, limits), store_notification=True)
    if kind == InboxKind.INBOUND_MIME or "body-mime" in names:
        return Parsed(parse_mime_forward(form.fields, form.files, limits), store_notification=False)
    return Parsed(parse_forward(form.fields, form.files, limits), store_notification=False)


def message_region(
    domain: str | None,
    storage_url: str | None,
    region_hint: str | None,
    domain_regions: Mapping[str, str],
    api_bases: Mapping[str, str],
) -> str | None:
    """The domain's configured region, else the storage host's, else the `?region=` hint."""
    return (
        region_for_domain(domain, domain_regions)
        or region_for_url(storage_url)
        or region_for_api_url(storage_url, api_bases)
        or normalize_region(region_hint)
    )


def fetch_refusal(url: str | None, region: str | None, api_bases: Mapping[str, str]) -> str | None:
    """Why the API key must not be sent to `url`, or None when it may."""
    host = _host(url)
    if not url or host is None:
        return "the store() notification has no usable message-url"
    if region is None:
        return (
            f"cannot tell which region the stored message on {host} is in: add its domain to "
            "MAILGUN_DOMAINS (e.g. example.com:us), then replay this row"
        )
    if is_region_url(url, region, api_bases):
        return None
    other = region_for_url(url) or region_for_api_url(url, api_bases)
    why = (
        "is not https"
        if other == region
        else f"belongs to region {other}"
        if other
        else "is not a Mailgun host"
    )
    return (
        f"refused to fetch the stored message from {host}: it {why}, and the API key is only sent to "
        f"region {region}'s storage hosts or its API base (check MAILGUN_DOMAINS and MAILGUN_API_BASE_"
        f"{region.upper()})"
    )


def fallback_url(
    url: str | None, domain: str | None, region: str, api_bases: Mapping[str, str]
) -> str | None:
    """`{regional API}/v3/domains/{domain}/messages/{key}`, the key taken from the storage URL."""
    key = storage_key(url)
    base = api_bases.get(region)
    if key is None or not domain or not base:
        return None
    return f"{base.rstrip('/')}/v3/domains/{quote(domain, safe='')}/messages/{quote(key, safe='')}"


def storage_key(url: str | None) -> str | None:
    try:
        path = urlsplit(url or "").path
    except ValueError:
        return None
    _, marker, key = path.rpartition("/messages/")
    return key if marker and key and "/" not in key else None


def _host(url: str | None) -> str | None:
    try:
        return urlsplit(url or "").hostname
    except ValueError:
        return None
