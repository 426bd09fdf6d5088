"""The fake's per-region state: what one regional Mailgun host knows.

Everything is region-bound (FACTS.md section 6): two fakes for US and EU share nothing, which is how
tests catch a call sent to the wrong region. Address keys are lower-cased because Mailgun matches
addresses case-insensitively; records keep the spelling they were given.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from .common import new_id, rfc2822

SUPPRESSION_KINDS = ("bounces", "complaints", "unsubscribes")
WEBHOOK_KINDS = (
    "accepted",
    "clicked",
    "opened",
    "unsubscribed",
    "delivered",
    "permanent_fail",
    "temporary_fail",
    "complained",
)


@dataclass
class MailingList:
    address: str
    name: str = ""
    description: str = ""
    access_level: str = "readonly"
    reply_preference: str = "list"
    created_at: str = field(default_factory=rfc2822)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    owner: str | None = None  # the subaccount it belongs to; None: the parent's

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "name": self.name,
            "description": self.description,
            "access_level": self.access_level,
            "reply_preference": self.reply_preference,
            "created_at": self.created_at,
            "members_count": len(self.members),
        }


@dataclass
class StoredMessage:
    message: dict[str, Any]
    raw_mime: bytes | None


@dataclass
class RegionState:
    domains: list[str]
    # kind -> domain -> lower-cased address -> record as Mailgun returns it
    suppressions: dict[str, dict[str, dict[str, dict[str, Any]]]] = field(default_factory=dict)
    lists: dict[str, MailingList] = field(default_factory=dict)
    webhooks: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # lower-cased domain -> the subaccount that owns it (the parent reaches it only on its behalf)
    subaccounts: dict[str, str] = field(default_factory=dict)
    # webhook_id -> the account-level webhook as GET /v1/webhooks lists it
    account_webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    routes: list[dict[str, Any]] = field(default_factory=list)
    # domain -> [((timestamp, seq), event)], kept sorted by (timestamp, seq)
    events: dict[str, list[tuple[tuple[float, int], dict[str, Any]]]] = field(default_factory=dict)
    messages: dict[tuple[str, str], StoredMessage] = field(default_factory=dict)
    # Seconds past a query's `end` the Events API still answers with (0: `end` honoured to the second).
    events_end_slack: float = 0.0
    domain_ids: dict[str, str] = field(default_factory=dict)
    created_at: str = field(default_factory=rfc2822)
    # One lock for all of it: handlers are short and tests are not about throughput.
    lock: threading.RLock = field(default_factory=threading.RLock)
    _seq: int = 0

    def __post_init__(self) -> None:
        for kind in SUPPRESSION_KINDS:
            self.suppressions.setdefault(kind, {})
        for domain in self.domains:
            self.domain_ids.setdefault(domain, new_id())

    def clear(self) -> None:
        with self.lock:
            for kind in SUPPRESSION_KINDS:
                self.suppressions[kind].clear()
            self.lists.clear()
            self.webhooks.clear()
            self.account_webhooks.clear()
            self.routes.clear()
            self.events.clear()
            self.messages.clear()
            self.events_end_slack = 0.0

    def has_domain(self, domain: str) -> bool:
        return domain.lower() in (d.lower() for d in self.domains)

    def add_domain(self, domain: str) -> None:
        with self.lock:
            if not self.has_domain(domain):
                self.domains.append(domain)
                self.domain_ids[domain] = new_id()

    # -- suppressions -------------------------------------------------------------------------

    def table(self, kind: str, domain: str) -> dict[str, dict[str, Any]]:
        return self.suppressions[kind].setdefault(domain.lower(), {})

    def put_suppression(self, kind: str, domain: str, record: dict[str, Any]) -> None:
        """Upsert, as Mailgun does; unsubscribes accumulate their tags."""
        key = record["address"].lower()
        table = self.table(kind, domain)
        if kind == "unsubscribes" and key in table:
            tags = list(table[key]["tags"])
            tags += [t for t in record["tags"] if t not in tags]
            record = {**record, "tags": tags}
        table[key] = record

    def suppression_list(self, kind: str, domain: str) -> list[dict[str, Any]]:
        with self.lock:
            table = self.table(kind, domain)
            return [copy.deepcopy(table[k]) for k in sorted(table)]

    # -- events -------------------------------------------------------------------------------

    def add_events(self, domain: str, items: list[dict[str, Any]]) -> None:
        with self.lock:
            bucket = self.events.setdefault(domain.lower(), [])
            for item in items:
                event = copy.deepcopy(item)
                event.setdefault("id", new_id(11))
                if "timestamp" not in event:
                    raise ValueError("every seeded event needs a 'timestamp' (epoch seconds)")
                self._seq += 1
                bucket.append(((float(event["timestamp"]), self._seq), event))
            bucket.sort(key=lambda pair: pair[0])

    # -- lists --------------------------------------------------------------------------------

    def mailing_list(self, address: str) -> MailingList | None:
        return self.lists.get(address.lower())

    def add_list(self, address: str, **fields: Any) -> MailingList:
        with self.lock:
            mlist = MailingList(address=address, **fields)
            self.lists[address.lower()] = mlist
            return mlist

    # -- routes -------------------------------------------------------------------------------

    def add_route(
        self, expression: str, actions: list[str], priority: int = 0, description: str = ""
    ) -> dict[str, Any]:
        route = {
            "id": new_id(),
            "priority": priority,
            "description": description,
            "expression": expression,
            "actions": list(actions),
            "created_at": rfc2822(),
        }
        with self.lock:
            self.routes.append(route)
        return copy.deepcopy(route)
