"""What an event makes us do at Mailgun: one event, the configured domains of its region and the lists of that
region the address belongs to, in; the actions to take, each with its idempotency key, out.

Pure: no database, no network, no clock. The rules (each one switchable, see `Rules`):
- a hard bounce (`bounced`: Mailgun's `failed` + `permanent`) on domain D of region R adds a bounce with the
  delivery status' code and message on every other configured domain of R, and sets `subscribed=no` on every
  list of R that has the address;
- a complaint on D adds a complaint on every other domain of R, and `subscribed=no` on every list of R that
  has the address;
- an unsubscribe on D from a mailing list sets `subscribed=no` on that list; any other unsubscribe on D adds
  an unsubscribe (same tags, `*` when none) on every other domain of R.

Nothing crosses regions: the targets are the region's own domains and lists. An event whose domain is not a
configured domain of its region causes nothing, because its region is then only a guess.

A `suppress-*` drop (Mailgun refusing to send to an address already suppressed on D) is an echo of an earlier
suppression, quite possibly our own copy: `is_echo` lets the caller skip the targets it already knows, so
every send to a suppressed address does not start the copies over.

The lists an address is on are only known from the mirror, which may be stale or empty when the event comes:
`plan_convergence` gives, at each refresh, the list unsubscribes that bounces and complaints still owe.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Protocol

from app.core.models.events_vocab import EventType
from app.core.models.sync_vocab import SuppressionKind, SyncActionKind
from app.core.settings import SyncSettings

DEFAULT_BOUNCE_CODE = "550"
ECHO_REASONS = frozenset({"suppress-bounce", "suppress-complaint", "suppress-unsubscribe"})
ERROR_MAX = 1000  # a delivery status message can be a whole SMTP transcript


class EventFacts(Protocol):
    """The fields of a NormalizedEvent (or of an events row) the rules read."""

    @property
    def mailgun_event_id(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def type(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def domain(self) -> str | None: ...
    @property
    def recipient(self) -> str | None: ...
    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def delivery_status(self) -> Mapping[str, Any] | None: ...
    @property
    def mailing_list(self) -> Mapping[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class Rules:
    bounces: bool = True
    complaints: bool = True
    unsubscribes: bool = True
    lists: bool = True  # every list membership change, whatever rule causes it

    @classmethod
    def from_settings(cls, sync: SyncSettings) -> Rules:
        return cls(sync.bounces, sync.complaints, sync.unsubscribes, sync.lists)

    def covers(self, event_type: str) -> bool:
        switch: Mapping[str, bool] = {
            EventType.BOUNCED: self.bounces,
            EventType.COMPLAINED: self.complaints,
            EventType.UNSUBSCRIBED: self.unsubscribes,
        }
        return switch.get(event_type, False)


@dataclass(frozen=True, slots=True)
class PlannedAction:
    idempotency_key: str
    region: str
    kind: SyncActionKind  # bounce | complaint | unsubscribe | list_unsubscribe
    address: str
    domain: str | None = None
    list_address: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)  # Mailgun record fields besides the address


# Which suppression Mailgun itself keeps on the event's own domain for each type the rules act on.
ORIGIN_KINDS: Mapping[str, SuppressionKind] = {
    EventType.BOUNCED: SuppressionKind.BOUNCE,
    EventType.COMPLAINED: SuppressionKind.COMPLAINT,
    EventType.UNSUBSCRIBED: SuppressionKind.UNSUBSCRIBE,
}


# The events whose list effect every mirror refresh converges to, by the suppression kind they leave.
CONVERGING_KINDS: Mapping[str, EventType] = {
    SuppressionKind.BOUNCE: EventType.BOUNCED,
    SuppressionKind.COMPLAINT: EventType.COMPLAINED,
}
CONVERGING_TYPES = frozenset(CONVERGING_KINDS.values())


def acts_on(event: EventFacts, region_domains: Collection[str], rules: Rules) -> bool:
    """Whether the rules can do anything with this event (cheap: no list lookup needed to answer)."""
    return bool(event.recipient) and _own_domain(event, region_domains) and rules.covers(event.type)


def is_echo(event: EventFacts) -> bool:
    """A drop because the address was already suppressed on the event's domain."""
    return (event.reason or "").strip().lower() in ECHO_REASONS


def origin_suppression(
    event: EventFacts, region_domains: Collection[str], rules: Rules
) -> SuppressionKind | None:
    """The kind of suppression the event shows on its own domain, if any (unsubscribes from a list: none)."""
    if not acts_on(event, region_domains, rules) or _list_of(event) is not None:
        return None
    return ORIGIN_KINDS.get(event.type)


def plan_actions(
    event: EventFacts, region_domains: Collection[str], member_of: Collection[str], rules: Rules
) -> list[PlannedAction]:
    """Every action the event calls for; `member_of`: the lists of the event's region having the address."""
    if not acts_on(event, region_domains, rules):
        return []
    others = sorted(d for d in {d.lower() for d in region_domains} if d != (event.domain or "").lower())
    if event.type == EventType.BOUNCED:
        return _on_domains(event, others, SyncActionKind.BOUNCE, _bounce(event)) + list_unsubscribes(
            event, member_of, rules
        )
    if event.type == EventType.COMPLAINED:
        return _on_domains(event, others, SyncActionKind.COMPLAINT, _dated(event)) + list_unsubscribes(
            event, member_of, rules
        )
    list_address = _list_of(event)
    if list_address is not None:
        return list_unsubscribes(event, [list_address], rules)
    return _on_domains(
        event, others, SyncActionKind.UNSUBSCRIBE, {"tags": list(event.tags) or ["*"], **_dated(event)}
    )


def plan_convergence(
    causes: Mapping[str, EventFacts],
    subscribed: Mapping[str, Collection[str]],
    handled: Collection[tuple[str, str]],
    rules: Rules,
) -> list[PlannedAction]:
    """The list unsubscribes a mirror refresh finds still owed, whatever the mirror held when the events came.

    `subscribed`: address -> the lists of the region the fresh mirror shows it subscribed on. `causes`:
    address -> the bounce or complaint the suppressions table holds for it (its source event). `handled`:
    the (address, list) pairs that event already had an unsubscribe queued for. Each action is keyed as the
    event's own would be, so a refresh never adds a second one for the same list: a member added after the
    event, or a list created after it, is unsubscribed once, and an address re-subscribed afterwards is left
    alone. Unsubscribe events have no part here: their rule acts on the event alone.
    """
    planned: list[PlannedAction] = []
    for address in sorted(subscribed):
        cause = causes.get(address)
        if cause is None or cause.type not in CONVERGING_TYPES or not rules.covers(cause.type):
            continue
        owed = [name for name in {n.lower() for n in subscribed[address]} if (address, name) not in handled]
        planned += list_unsubscribes(cause, owed, rules)
    return planned


def idempotency_key(event: EventFacts, kind: str, target: str) -> str:
    """Stable per (source event, action, target): the same event, however often seen, plans the same keys."""
    parts = (
        event.region,
        kind,
        target.lower(),
        event.recipient or "",
        event.mailgun_event_id,
        event.occurred_at.astimezone(UTC).isoformat(),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def rfc2822(moment: datetime) -> str:
    # Whatever zone the database driver handed the time back in, the same instant gives the same text.
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _own_domain(event: EventFacts, region_domains: Collection[str]) -> bool:
    domain = (event.domain or "").lower()
    return bool(domain) and domain in {d.lower() for d in region_domains}


def _list_of(event: EventFacts) -> str | None:
    mailing_list = event.mailing_list or {}
    address = mailing_list.get("address") if isinstance(mailing_list, Mapping) else None
    return address.strip().lower() if isinstance(address, str) and address.strip() else None


def _on_domains(
    event: EventFacts, domains: Sequence[str], kind: SyncActionKind, payload: dict[str, Any]
) -> list[PlannedAction]:
    address = event.recipient or ""
    return [
        PlannedAction(
            idempotency_key(event, kind, d), event.region, kind, address, domain=d, payload=dict(payload)
        )
        for d in domains
    ]


def list_unsubscribes(event: EventFacts, lists: Collection[str], rules: Rules) -> list[PlannedAction]:
    """`subscribed=no` for the event's recipient on each of `lists`, keyed by the event and the list."""
    if not rules.lists:
        return []
    address = event.recipient or ""
    return [
        PlannedAction(
            idempotency_key(event, SyncActionKind.LIST_UNSUBSCRIBE, name),
            event.region,
            SyncActionKind.LIST_UNSUBSCRIBE,
            address,
            list_address=name,
        )
        for name in sorted({name.lower() for name in lists})
    ]


def _dated(event: EventFacts) -> dict[str, Any]:
    return {"created_at": rfc2822(event.occurred_at)}


def _bounce(event: EventFacts) -> dict[str, Any]:
    status = event.delivery_status or {}
    code = status.get("code")
    error = status.get("message") or status.get("description") or event.reason or ""
    return {
        "code": str(code) if code not in (None, "") else DEFAULT_BOUNCE_CODE,
        "error": str(error)[:ERROR_MAX],
        **_dated(event),
    }
