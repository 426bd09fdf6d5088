"""Test-side helpers of ``FakeMailgun``: seed state without HTTP, and inspect it afterwards."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from .api_lists import member_json
from .api_suppressions import make_record
from .state import WEBHOOK_KINDS, RegionState, StoredMessage


class SeedingMixin:
    state: RegionState

    @property
    def url(self) -> str:  # provided by FakeMailgun
        raise NotImplementedError

    # -- seeding ------------------------------------------------------------------------------

    def add_domain(self, name: str) -> None:
        self.state.add_domain(name)

    def add_bounce(
        self, domain: str, address: str, code: str = "550", error: str = "", created_at: str | None = None
    ) -> None:
        record = make_record(
            "bounces", {"address": address, "code": code, "error": error, "created_at": created_at}
        )
        with self.state.lock:
            self.state.put_suppression("bounces", domain, record)

    def add_complaint(self, domain: str, address: str, created_at: str | None = None) -> None:
        record = make_record("complaints", {"address": address, "created_at": created_at})
        with self.state.lock:
            self.state.put_suppression("complaints", domain, record)

    def add_unsubscribe(
        self, domain: str, address: str, tags: Iterable[str] = ("*",), created_at: str | None = None
    ) -> None:
        record = make_record(
            "unsubscribes", {"address": address, "tags": list(tags), "created_at": created_at}
        )
        with self.state.lock:
            self.state.put_suppression("unsubscribes", domain, record)

    def add_list(
        self,
        address: str,
        name: str = "",
        description: str = "",
        access_level: str = "readonly",
        reply_preference: str = "list",
        owner: str | None = None,
    ) -> None:
        """A list of the parent, or of subaccount `owner` (then seen only on its behalf)."""
        self.state.add_list(
            address,
            name=name,
            description=description,
            access_level=access_level,
            reply_preference=reply_preference,
            owner=owner,
        )

    def add_member(
        self,
        list_address: str,
        address: str,
        name: str = "",
        vars: dict[str, Any] | None = None,
        subscribed: bool = True,
    ) -> None:
        """Adds (or replaces) a member; creates the list if it does not exist yet."""
        with self.state.lock:
            mlist = self.state.mailing_list(list_address) or self.state.add_list(list_address)
            mlist.members[address.lower()] = member_json(address, name, vars, subscribed)

    def add_events(self, domain: str, items: Iterable[dict[str, Any]]) -> None:
        """Events API items (event-data objects); each needs a ``timestamp`` (epoch seconds)."""
        self.state.add_events(domain, list(items))

    def answer_past_event_end(self, seconds: float) -> None:
        """From now on the Events API also returns events up to `seconds` after a query's `end`, as a
        server that does not honour `end` to the second (or whose clock runs ahead) would."""
        self.state.events_end_slack = seconds

    def add_webhook(self, domain: str, kind: str, urls: Iterable[str]) -> None:
        if kind not in WEBHOOK_KINDS:
            raise ValueError(f"unknown webhook kind {kind!r}")
        with self.state.lock:
            self.state.webhooks.setdefault(domain.lower(), {})[kind] = list(urls)

    def add_subaccount_domain(self, domain: str, account_id: str) -> None:
        """`domain` belongs to subaccount `account_id`: calls on it need `X-Mailgun-On-Behalf-Of`, and the
        Logs API shows its events only with `include_subaccounts`."""
        self.state.add_domain(domain)
        with self.state.lock:
            self.state.subaccounts[domain.lower()] = account_id

    def add_account_webhook(self, url: str, kinds: Iterable[str], description: str = "") -> str:
        """An account-level webhook (someone else's, or an earlier one of ours); its id."""
        hook_id = f"seeded-{len(self.state.account_webhooks) + 1}"
        with self.state.lock:
            self.state.account_webhooks[hook_id] = {
                "webhook_id": hook_id,
                "description": description,
                "url": url,
                "event_types": list(kinds),
                "created_at": "2026-01-01T00:00:00Z",
            }
        return hook_id

    def account_webhooks(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return copy.deepcopy(list(self.state.account_webhooks.values()))

    def add_route(
        self, expression: str, actions: Iterable[str], priority: int = 0, description: str = ""
    ) -> dict[str, Any]:
        return self.state.add_route(expression, list(actions), priority, description)

    def add_stored_message(
        self, domain: str, key: str, message_json: dict[str, Any], raw_mime: bytes | None = None
    ) -> str:
        """Stores a message; returns its storage URL on this fake (use it as an event's
        ``storage.url``). Without ``raw_mime`` the raw variant is rebuilt from the JSON."""
        with self.state.lock:
            self.state.messages[(domain.lower(), key)] = StoredMessage(copy.deepcopy(message_json), raw_mime)
        return self.storage_url(domain, key)

    def storage_url(self, domain: str, key: str) -> str:
        return f"{self.url}/v3/domains/{domain}/messages/{key}"

    # -- inspection (copies; sorted by address where Mailgun pages by address) ------------------

    def bounces(self, domain: str) -> list[dict[str, Any]]:
        return self.state.suppression_list("bounces", domain)

    def complaints(self, domain: str) -> list[dict[str, Any]]:
        return self.state.suppression_list("complaints", domain)

    def unsubscribes(self, domain: str) -> list[dict[str, Any]]:
        return self.state.suppression_list("unsubscribes", domain)

    def lists(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [self.state.lists[k].to_json() for k in sorted(self.state.lists)]

    def members(self, list_address: str) -> list[dict[str, Any]]:
        with self.state.lock:
            mlist = self.state.mailing_list(list_address)
            if mlist is None:
                return []
            return [copy.deepcopy(mlist.members[k]) for k in sorted(mlist.members)]

    def webhooks(self, domain: str) -> dict[str, list[str]]:
        with self.state.lock:
            return copy.deepcopy(self.state.webhooks.get(domain.lower(), {}))

    def routes(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return copy.deepcopy(self.state.routes)
