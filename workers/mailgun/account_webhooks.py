"""Account-level webhooks (`/v1/webhooks`): what to ask Mailgun so one webhook per region sends this service
every event of every domain and subaccount. Pure: no I/O.

An account webhook is one URL with its event types. Ours carries the region in its query (it fires for
domains we may not even have configured, so no domain hint) and our description, which is how a webhook of
ours with an older URL (a moved service) is recognised and replaced. Another party's webhook is never
changed. Mailgun sends an event once to a URL held at both the account and the domain level; our domain URLs
differ from the account URL by their `domain` hint, so both levels holding our endpoint means two deliveries
per event (deduplicated here, but twice the traffic): `webhooks status` warns about it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from workers.mailgun.registration import (
    CREATE,
    KEEP,
    MAX_URLS_PER_TYPE,
    REFUSE,
    SUBSCRIBABLE,
    UPDATE,
    WEBHOOK_PATH,
    same_endpoint,
)

DESCRIPTION = "mailhook: every event of the region's domains and subaccounts"


@dataclass(frozen=True, slots=True)
class AccountHook:
    webhook_id: str
    url: str
    event_types: tuple[str, ...]
    description: str


@dataclass(frozen=True, slots=True)
class AccountStep:
    action: str  # create / update / keep / refuse
    webhook_id: str | None  # the webhook to update (or kept)
    note: str


def account_webhook_url(base: str, region: str) -> str:
    return f"{base.rstrip('/')}{WEBHOOK_PATH}?{urlencode({'region': region})}"


def read_hooks(body: object) -> list[AccountHook]:
    """`GET /v1/webhooks`'s `webhooks`, whatever else (or nothing) the answer holds."""
    hooks = body.get("webhooks") if isinstance(body, Mapping) else None
    return [_hook(item) for item in hooks if isinstance(item, Mapping)] if isinstance(hooks, list) else []


def _hook(item: Mapping[str, Any]) -> AccountHook:
    kinds = item.get("event_types")
    return AccountHook(
        str(item.get("webhook_id", "")),
        str(item.get("url", "")),
        tuple(str(kind) for kind in kinds) if isinstance(kinds, list) else (),
        str(item.get("description", "")),
    )


def is_ours(hook: AccountHook, ours: str) -> bool:
    return hook.url == ours or hook.description == DESCRIPTION or same_endpoint(hook.url, ours)


def plan_account_webhook(hooks: Sequence[AccountHook], ours: str) -> AccountStep:
    """Keep ours when it holds every type, else update it (new URL or missing types), else create it."""
    exact = next((hook for hook in hooks if hook.url == ours), None)
    if exact is not None:
        missing = [kind for kind in SUBSCRIBABLE if kind not in exact.event_types]
        if not missing:
            return AccountStep(KEEP, exact.webhook_id, "already registered")
        return AccountStep(UPDATE, exact.webhook_id, f"added {', '.join(missing)}")
    earlier = next((hook for hook in hooks if is_ours(hook, ours)), None)
    if earlier is not None:
        return AccountStep(UPDATE, earlier.webhook_id, f"replaced our earlier URL {earlier.url}")
    others = [hook for hook in hooks if not is_ours(hook, ours)]
    crowded = [kind for kind in SUBSCRIBABLE if _holders(others, kind) >= MAX_URLS_PER_TYPE]
    if crowded:
        return AccountStep(REFUSE, None, f"{', '.join(crowded)} already held by {MAX_URLS_PER_TYPE} other "
                           "URLs (Mailgun's limit): remove one, then run again")  # fmt: skip
    return AccountStep(CREATE, None, "")


def _holders(hooks: Sequence[AccountHook], kind: str) -> int:
    return len({hook.url for hook in hooks if kind in hook.event_types})


def our_account_hook(hooks: Sequence[AccountHook], ours: str | None) -> AccountHook | None:
    """Ours among the account's webhooks (with `ours` unknown: one with our description or path)."""
    if ours is not None:
        return next((hook for hook in hooks if hook.url == ours), None)
    return next(
        (h for h in hooks if h.description == DESCRIPTION or h.url.split("?", 1)[0].endswith(WEBHOOK_PATH)),
        None,
    )
