"""What an inbox row means: an event to store, or a dead letter with a reason that says what to fix.

Pure: decides from the row's route, kind and bytes; no database, no network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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
    context = {"domain_regions": domain_regions, "region_hint": region_hint, "domain_hint": domain_hint}
    try:
        if kind == InboxKind.WEBHOOK:
            document, storable = json_body.loads_checked(body)
            return normalize_webhook_json(document, storable=storable, **context)  # type: ignore[arg-type]
        if kind == InboxKind.EVENTS_API:  # an item the poller dead-lettered, replayed
            return normalize_events_api_item(json_body.loads(body), **context)  # type: ignore[arg-type]
        if kind == "logs_api":  # a Logs API item the poller dead-lettered, replayed
            return normalize_logs_api_item(json_body.loads(body), **context)  # type: ignore[arg-type]
        fields = decode_form_body(content_type, body)
        if _looks_inbound(fields):
            return DeadLetter(
                "inbound mail was posted to the webhook URL /webhooks/mailgun: point the route's "
                "forward() at /inbound/mailgun (or /inbound/mailgun/mime), then replay this row"
            )
        return normalize_legacy_form(fields, **context)  # type: ignore[arg-type]
    except NormalizationError as exc:
        return DeadLetter(f"cannot normalize: {exc}")
    except json_body.TooDeep as exc:  # kept before the intake refused such bodies
        return DeadLetter(f"unreadable body: {exc}")
    except (ValueError, RecursionError) as exc:
        return DeadLetter(f"unreadable body: {type(exc).__name__}")


def _looks_inbound(fields: list[tuple[str, str]]) -> bool:
    names = {name for name, _ in fields}
    return "event" not in names and any(marker in names for marker in _INBOUND_MARKERS)
