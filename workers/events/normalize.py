"""Raw Mailgun event payloads to NormalizedEvent: one shape for webhooks (new, legacy), Events and Logs APIs.

Pure: no Flask, Celery, database or network. Every entry point returns a NormalizedEvent or raises
NormalizationError, whatever it is given, so the caller can dead-letter a payload with a readable reason.

Decisions where Mailgun says nothing:
- `failed` with a severity other than permanent/temporary is `bounced` only on evidence of permanence (a 5xx
  or 6xx code, a 5.x.x enhanced code, or a bounce/suppress-* reason), else `deferred`: a wrong "deferred"
  only waits for the next event, a wrong "bounced" suppresses a good address.
- Recipients are lower-cased whole (Mailgun lower-cases them too), so querying by address is exact-match.
- Timestamps above 1e11 are read as milliseconds, microseconds or nanoseconds (the OpenAPI description says
  nanoseconds, every real payload says seconds); outside 2000-2100 they are refused. `occurred_at` is cut
  (not rounded) to the millisecond, the Logs API's precision, so every source keys an event alike.
- An event without an id gets a derived one: `derived-` (JSON formats) or `legacy-` (form posts) and a
  sha256 over event, message id, recipient, time, url, ip, reason, delivery status and client info. Never
  the token or signature: Mailgun may sign a retry afresh, and a retry must dedupe onto the same row.
- `payload` is the event object (`event-data` for webhooks), not the signature envelope.
- `user-variables` that are text but not a JSON object (Mailgun's error strings) become `{"_raw": text}`.
- Legacy drops keep Mailgun's pseudo code in the reason: `hardfail (605)`, `old (499)` (see legacy_form).
- Ids over 128 characters count as missing; recipients and message ids are cut to index-safe lengths.
"""

from __future__ import annotations

import hashlib
import json
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.models.events_vocab import EventSource, EventType
from app.core.regions import normalize_region, region_for_domain, region_for_url
from workers.events.legacy_form import read_legacy_form
from workers.events.logs_item import as_event_data
from workers.events.payload_decode import (
    EventFields,
    NormalizationError,
    address_domain,
    clean_address,
    clean_domain,
    clean_message_id,
    clean_tags,
    decode_form_body,
    delivery_status,
    dict_or_none,
    first_address,
    get_path,
    json_safe,
    opt_text,
    parse_timestamp,
    parse_user_variables,
    storage_domain,
)

__all__ = [
    "NormalizationError",
    "NormalizedEvent",
    "decode_form_body",
    "normalize_events_api_item",
    "normalize_legacy_form",
    "normalize_logs_api_item",
    "normalize_webhook_json",
]

# Column widths of the events table, and lengths that keep btree index entries well under Postgres's ~2.7 kB
# limit: one oversized value must not fail a whole batch insert (the payload keeps every value whole).
_EVENT_NAME_MAX = 64
_SEVERITY_MAX = 32
_EVENT_ID_MAX = 128
_RECIPIENT_MAX = 320
_MESSAGE_ID_MAX = 512

# Mailgun's event names to the provider-neutral type (`failed` is decided by its severity, below).
_TYPES: Mapping[str, EventType] = {
    "accepted": EventType.QUEUED,
    "delivered": EventType.DELIVERED,
    "rejected": EventType.REJECTED,
    "opened": EventType.OPENED,
    "clicked": EventType.CLICKED,
    "complained": EventType.COMPLAINED,
    "unsubscribed": EventType.UNSUBSCRIBED,
    "stored": EventType.STORED,
    # Legacy webhook names.
    "bounced": EventType.BOUNCED,
    "dropped": EventType.REJECTED,
}
_PERMANENT_REASONS = frozenset(
    {"bounce", "suppress-bounce", "suppress-complaint", "suppress-unsubscribe", "hardfail"}
)


@dataclass(frozen=True, slots=True)
class NormalizedEvent:
    mailgun_event_id: str
    occurred_at: datetime
    event: str
    severity: str | None
    type: EventType
    region: str
    domain: str | None
    recipient: str | None
    message_id: str | None
    tags: list[str]
    user_variables: dict[str, Any]
    reason: str | None
    delivery_status: dict[str, Any] | None
    url: str | None
    ip: str | None
    client_info: dict[str, Any] | None
    geolocation: dict[str, Any] | None
    mailing_list: dict[str, Any] | None
    storage_url: str | None
    source: str
    payload: dict[str, Any]

    def as_row(self, *, copy_containers: bool = True) -> dict[str, Any]:
        """Every field as a plain dict, ready for a bulk insert. Lists and dicts are copied one level deep,
        enough for a caller to change the row's own containers; `asdict`'s full recursion was the drain's
        single largest cost. `copy_containers=False` shares them, for a caller that drops the event at once
        (the drain: the copy was a tenth of its time per event)."""
        if not copy_containers:
            return dict(zip(_EVENT_FIELDS, _values_of(self), strict=True))
        return {name: _copied(value) for name, value in zip(_EVENT_FIELDS, _values_of(self), strict=True)}


_EVENT_FIELDS = tuple(NormalizedEvent.__dataclass_fields__)
_values_of = operator.attrgetter(*_EVENT_FIELDS)


def _copied(value: Any) -> Any:
    kind = type(value)  # exact types first: the normalizer builds plain lists and dicts
    if kind is list or kind is dict:
        return kind(value)
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


@dataclass(frozen=True, slots=True)
class _Context:
    domain_regions: Mapping[str, str]
    region_hint: str | None
    domain_hint: str | None


# --- entry points ---


def normalize_webhook_json(
    body: object,
    *,
    domain_regions: Mapping[str, str],
    region_hint: str | None = None,
    domain_hint: str | None = None,
    storable: bool = False,
) -> NormalizedEvent:
    """A decoded JSON webhook body, `{"signature": {...}, "event-data": {...}}`.

    `storable`: the caller knows the decoded body already holds only what JSONB accepts (see
    app/json_body.loads_checked), so the payload is kept as decoded instead of copied value by value."""
    context = _Context(domain_regions, region_hint, domain_hint)
    return _normalize(lambda: _read_event_data(_event_data_of(body), EventSource.WEBHOOK, storable), context)


def normalize_events_api_item(
    item: object,
    *,
    domain_regions: Mapping[str, str],
    region_hint: str | None = None,
    domain_hint: str | None = None,
) -> NormalizedEvent:
    """One item of an Events API page: the same object as a webhook's `event-data`."""
    context = _Context(domain_regions, region_hint, domain_hint)
    return _normalize(lambda: _read_event_data(item, EventSource.EVENTS_API), context)


def normalize_logs_api_item(
    item: object,
    *,
    domain_regions: Mapping[str, str],
    region_hint: str | None = None,
    domain_hint: str | None = None,
) -> NormalizedEvent:
    """One item of a Logs API page: event-data with `@timestamp` (see logs_item); the payload is the item."""
    context = _Context(domain_regions, region_hint, domain_hint)
    return _normalize(lambda: _read_log_item(item), context)


def _read_log_item(item: object) -> EventFields:
    fields = _read_event_data(as_event_data(item), EventSource.LOGS_API)
    fields.payload = json_safe(item)
    return fields


def normalize_legacy_form(
    fields: Sequence[tuple[str, str]],
    *,
    domain_regions: Mapping[str, str],
    region_hint: str | None = None,
    domain_hint: str | None = None,
) -> NormalizedEvent:
    """A legacy form post as ordered (name, value) pairs, repeated names repeated (see decode_form_body)."""
    context = _Context(domain_regions, region_hint, domain_hint)
    return _normalize(lambda: read_legacy_form(fields), context)


def _normalize(read: Callable[[], EventFields], context: _Context) -> NormalizedEvent:
    try:
        return _assemble(read(), context)
    except RecursionError as exc:
        raise NormalizationError("payload is nested too deeply to store") from exc


def _event_data_of(body: object) -> object:
    if not isinstance(body, Mapping):
        raise NormalizationError(f"webhook body must be a JSON object, not {type(body).__name__}")
    if "event-data" not in body:
        raise NormalizationError("webhook body has no `event-data`")
    return body["event-data"]


# --- the JSON event object (webhook event-data, Events API item) ---


def _read_event_data(data: object, source: EventSource, storable: bool = False) -> EventFields:
    if not isinstance(data, Mapping):
        raise NormalizationError(f"event data must be a JSON object, not {type(data).__name__}")
    headers = _headers_by_name(get_path(data, "message", "headers"))
    return EventFields(
        event=_event_name(data.get("event")),
        timestamp=data.get("timestamp"),
        source=source,
        payload=dict(data) if storable else json_safe(data),
        event_id=opt_text(data.get("id")),
        severity=_severity(data.get("severity")),
        domain=opt_text(get_path(data, "domain", "name")) or opt_text(data.get("domain")),
        storage_url=opt_text(get_path(data, "storage", "url")),
        envelope_sender=opt_text(get_path(data, "envelope", "sender")),
        recipient=opt_text(data.get("recipient")),
        to_header=opt_text(headers.get("to")),
        message_id=clean_message_id(headers.get("message-id")),
        tags=_tags(data.get("tags")),
        user_variables=parse_user_variables(data.get("user-variables")),
        reason=_reason(data),
        delivery_status=_delivery_status(data.get("delivery-status")),
        url=opt_text(data.get("url")),
        ip=opt_text(data.get("ip")),
        client_info=dict_or_none(data.get("client-info")),
        geolocation=dict_or_none(data.get("geolocation")),
        mailing_list=dict_or_none(data.get("mailing-list")),
    )


def _event_name(value: object) -> str:
    name = opt_text(value)
    if name is None:
        raise NormalizationError("event data has no `event` name")
    return name.lower()


def _severity(value: object) -> str | None:
    severity = opt_text(value)
    return severity.lower()[:_SEVERITY_MAX] if severity else None


def _headers_by_name(headers: object) -> dict[str, object]:
    """The message headers by lower-cased name, the first of a name that repeats in another case: Mailgun
    lower-cases them, a hand-made payload may not."""
    if not isinstance(headers, Mapping):
        return {}
    by_name: dict[str, object] = {}
    for name, value in headers.items():
        if isinstance(name, str):
            by_name.setdefault(name.lower(), value)
    return by_name


def _tags(value: object) -> list[str]:
    if isinstance(value, str):
        return clean_tags([value])
    return clean_tags(value) if isinstance(value, list) else []


def _reason(data: Mapping[str, Any]) -> str | None:
    """Mailgun's `reason`; rejected events carry it in `reject.reason`, list upload errors in `error`."""
    return (
        opt_text(data.get("reason"))
        or opt_text(get_path(data, "reject", "reason"))
        or opt_text(get_path(data, "error", "message"))
    )


def _delivery_status(value: object) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    return delivery_status(
        code=value.get("code"),
        enhanced_code=value.get("enhanced-code") or value.get("bounce-code"),
        message=value.get("message"),
        description=value.get("description"),
        attempt_no=value.get("attempt-no"),
        bounce_type=value.get("bounce-type") or value.get("bounce_type"),
    )


# --- combining what the payload says with configuration and hints ---


def _assemble(fields: EventFields, context: _Context) -> NormalizedEvent:
    exact = parse_timestamp(fields.timestamp)
    # The unique key's time, and so the stored one, is cut to the millisecond: the Logs API writes no finer
    # (`...18.530Z`), webhooks and the Events API to the microsecond, and one event told by both must meet
    # on one row. Derived ids keep the exact time, as they had it before.
    occurred_at = exact.replace(microsecond=exact.microsecond // 1000 * 1000)
    recipient = _capped(clean_address(fields.recipient) or first_address(fields.to_header), _RECIPIENT_MAX)
    domain = _domain(fields, context.domain_hint)
    event_id = fields.event_id if fields.event_id and len(fields.event_id) <= _EVENT_ID_MAX else None
    return NormalizedEvent(
        mailgun_event_id=event_id or _derived_id(fields, recipient, exact),
        occurred_at=occurred_at,
        event=fields.event[:_EVENT_NAME_MAX],
        severity=fields.severity,
        type=_event_type(fields.event, fields.severity, fields.delivery_status, fields.reason),
        region=_region(domain, fields.storage_url, context),
        domain=domain,
        recipient=recipient,
        message_id=_capped(fields.message_id, _MESSAGE_ID_MAX),
        tags=fields.tags,
        user_variables=fields.user_variables,
        reason=fields.reason,
        delivery_status=fields.delivery_status,
        url=fields.url,
        ip=fields.ip,
        client_info=fields.client_info,
        geolocation=fields.geolocation,
        mailing_list=fields.mailing_list,
        storage_url=fields.storage_url,
        source=fields.source,
        payload=fields.payload,
    )


def _capped(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else value


def _domain(fields: EventFields, hint: str | None) -> str | None:
    """The payload's domain, the storage URL's, the envelope sender's, then the URL hint's."""
    return (
        clean_domain(fields.domain)
        or storage_domain(fields.storage_url)
        or address_domain(fields.envelope_sender)
        or clean_domain(hint)
    )


def _region(domain: str | None, storage_url: str | None, context: _Context) -> str:
    """Configuration first (it is the truth), then the storage host, then the URL hint, then US."""
    configured = region_for_domain(domain, context.domain_regions)
    hint = context.region_hint
    return (
        (normalize_region(configured) if isinstance(configured, str) else None)
        or region_for_url(storage_url)
        or (normalize_region(hint) if isinstance(hint, str) else None)
        or "us"
    )


def _event_type(
    event: str, severity: str | None, status: Mapping[str, Any] | None, reason: str | None
) -> EventType:
    """Mailgun's event name (and severity) to the provider-neutral type."""
    if event == "failed":
        return _failure_type(severity, status, reason)
    return _TYPES.get(event, EventType.UNKNOWN)


def _failure_type(severity: str | None, status: Mapping[str, Any] | None, reason: str | None) -> EventType:
    if severity == "permanent":
        return EventType.BOUNCED
    if severity == "temporary":
        return EventType.DEFERRED
    return EventType.BOUNCED if _looks_permanent(status, reason) else EventType.DEFERRED


def _looks_permanent(status: Mapping[str, Any] | None, reason: str | None) -> bool:
    code = status.get("code") if status else None
    enhanced = status.get("enhanced_code") if status else None
    return (
        (isinstance(code, int) and 500 <= code < 700)
        or (isinstance(enhanced, str) and enhanced.startswith("5."))
        or (reason or "").lower() in _PERMANENT_REASONS
    )


def _derived_id(fields: EventFields, recipient: str | None, occurred_at: datetime) -> str:
    """A stable id for an event Mailgun gave none: the same event retried gets the same id.

    Only what Mailgun says about the event counts, never the token or signature. Legacy times are whole
    seconds, so the failure details and client keep two drops or opens of one message in one second apart.
    """
    prefix = "legacy-" if fields.source == EventSource.LEGACY_WEBHOOK else "derived-"
    parts = [
        fields.event, fields.message_id, recipient, occurred_at.isoformat(), fields.url, fields.ip,
        fields.reason, fields.delivery_status, fields.client_info,
    ]  # fmt: skip
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=True)
    return prefix + hashlib.sha256(canonical.encode("ascii")).hexdigest()[:40]
