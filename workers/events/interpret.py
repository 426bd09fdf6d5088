"""What an inbox row means: an event to store, or a dead letter with a reason that says what to fix.

Pure: decides from the row's route, kind and bytes; no database, no network.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.core import json_body
from app.core.models.inbox_vocab import InboxKind
from workers.events.normalize import (
    NormalizationError,
    NormalizedEvent,
    decode_form_body,
    normalize_events_api_item,
    normalize_legacy_form,
    normalize_logs_api_item,
    normalize_webhook_json,
)

# Fields that only a route (inbound mail) POST carries, never a tracking webhook.
_INBOUND_MARKERS = ("body-mime", "body-plain", "message-url", "stripped-text")


@dataclass(frozen=True, slots=True)
class DeadLetter:
    reason: str


Outcome = NormalizedEvent | DeadLetter


def interpret_webhook(
    kind: str,
    content_type: str,
    body: bytes,
    *,
    domain_regions: Mapping[str, str],
    region_hint: str | None,
    domain_hint: str | None,
) -> Outcome:
    context = Context(domain_regions, region_hint, domain_hint)
    try:
        return _READERS.get(kind, _legacy_form)(content_type, body, context)
    except NormalizationError as exc:
        return DeadLetter(f"cannot normalize: {exc}")
    except json_body.TooDeep as exc:  # kept before the intake refused such bodies
        return DeadLetter(f"unreadable body: {exc}")
    except (ValueError, RecursionError) as exc:
        return DeadLetter(f"unreadable body: {type(exc).__name__}")


@dataclass(frozen=True, slots=True)
class Context:
    domain_regions: Mapping[str, str]
    region_hint: str | None
    domain_hint: str | None

    def hints(self) -> dict[str, Any]:
        return {"domain_regions": self.domain_regions, "region_hint": self.region_hint,
                "domain_hint": self.domain_hint}  # fmt: skip


def _webhook_json(_content_type: str, body: bytes, context: Context) -> Outcome:
    document, storable = json_body.loads_checked(body)
    return normalize_webhook_json(document, storable=storable, **context.hints())


def _events_api_item(_content_type: str, body: bytes, context: Context) -> Outcome:
    return normalize_events_api_item(json_body.loads(body), **context.hints())


def _logs_api_item(_content_type: str, body: bytes, context: Context) -> Outcome:
    return normalize_logs_api_item(json_body.loads(body), **context.hints())


def _legacy_form(content_type: str, body: bytes, context: Context) -> Outcome:
    fields = decode_form_body(content_type, body)
    if _looks_inbound(fields):
        return DeadLetter(
            "inbound mail was posted to the webhook URL /webhooks/mailgun: point the route's "
            "forward() at /inbound/mailgun (or /inbound/mailgun/mime), then replay this row"
        )
    return normalize_legacy_form(fields, **context.hints())


# How each kind's body is read; a legacy form post is the rest.
_READERS: Mapping[str, Callable[[str, bytes, Context], Outcome]] = {
    InboxKind.WEBHOOK: _webhook_json,
    # Items the poller dead-lettered, replayed.
    InboxKind.EVENTS_API: _events_api_item,
    InboxKind.LOGS_API: _logs_api_item,
    InboxKind.LEGACY_WEBHOOK: _legacy_form,
}


def _looks_inbound(fields: list[tuple[str, str]]) -> bool:
    names = {name for name, _ in fields}
    return "event" not in names and any(marker in names for marker in _INBOUND_MARKERS)
