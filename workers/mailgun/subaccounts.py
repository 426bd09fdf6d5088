"""Which domains belong to a subaccount, and so are called on its behalf (`X-Mailgun-On-Behalf-Of`).

`MAILGUN_SUBACCOUNTS` names them; with `MAILGUN_DISCOVER_SUBACCOUNTS` the parent's key also asks each region.
Mailgun's subaccount endpoints (`/v5/accounts/subaccounts`) list ids, names and status, but no domains: the
link from a domain to its subaccount is the `subaccount_id` of the items of
`GET /v4/domains?include_subaccounts=true`, read on the region's own host (domain metadata is region-bound).

What a region's host said is kept for DISCOVERY_SECONDS per host, so building a client per task costs no call.
A discovery that fails is logged, tried again after RETRY_SECONDS, and the configured ones serve meanwhile
(calls on an undiscovered subaccount's domain then answer 404, recorded where they are made). An id named in
`MAILGUN_SUBACCOUNTS` wins over a discovered one. Domains outside `MAILGUN_DOMAINS` are kept too: the client
makes no domain call on them, but an inbound domain's stored messages and a list's members are reached through
them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from app.core.settings import SUBACCOUNT_ID
from workers.mailgun.errors import MailgunError

if TYPE_CHECKING:
    from workers.mailgun.client import MailgunClient

log = logging.getLogger(__name__)

DOMAINS_PATH = "/v4/domains"
DOMAINS_PAGE_LIMIT = 1000  # the endpoint's maximum
MAX_DOMAIN_PAGES = 1000
DISCOVERY_SECONDS = 900.0  # a subaccount's new domain is called on its behalf within this
RETRY_SECONDS = 60.0

_found: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}
_lock = threading.Lock()


def subaccount_domains(body: object) -> dict[str, str]:
    """Lower-cased domain -> subaccount id, from one `GET /v4/domains` page; the parent's own domains carry
    no `subaccount_id`."""
    items = body.get("items") if isinstance(body, Mapping) else None
    found: dict[str, str] = {}
    for item in items if isinstance(items, list) else ():
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            account = item.get("subaccount_id")
            # It goes into a header: only the shape an id has (no CR/LF from a broken or hostile answer).
            if isinstance(account, str) and SUBACCOUNT_ID.fullmatch(account):
                found[item["name"].lower()] = account
    return found


def discover(client: MailgunClient) -> dict[str, str]:
    """Every subaccount domain the region's host lists for the parent's key, page by page."""
    found: dict[str, str] = {}
    for page in range(MAX_DOMAIN_PAGES):
        skip = DOMAINS_PAGE_LIMIT * page
        query = {"include_subaccounts": "true", "limit": DOMAINS_PAGE_LIMIT, "skip": skip}
        reply = client.account_call(client.region, "GET", f"{DOMAINS_PATH}?{urlencode(query)}")
        if not reply.ok:
            raise MailgunError(f"GET {DOMAINS_PATH} answered {reply.status}: {reply.message}")
        found |= subaccount_domains(reply.body)
        items = reply.body.get("items") if isinstance(reply.body, Mapping) else None
        if not isinstance(items, list) or len(items) < DOMAINS_PAGE_LIMIT:
            return found
    raise MailgunError(f"GET {DOMAINS_PATH}: paging did not end after {MAX_DOMAIN_PAGES} pages")


def with_discovered(
    client: MailgunClient,
    configured: Mapping[str, str],
    *,
    clock: Callable[[], float] = time.monotonic,
    ask: Callable[[MailgunClient], dict[str, str]] = discover,
) -> dict[str, str]:
    """The configured subaccount domains and what the client's host says of the others. One call
    at a time per process: threads asking meanwhile wait for its answer rather than ask again."""
    key = (client.region, client.base_url)
    with _lock:
        cached = _found.get(key)
        if cached is None or cached[0] <= clock():
            cached = _ask(client, ask, clock)
            _found[key] = cached
    return {**cached[1], **configured}


def _ask(
    client: MailgunClient, ask: Callable[[MailgunClient], dict[str, str]], clock: Callable[[], float]
) -> tuple[float, dict[str, str]]:
    try:
        return clock() + DISCOVERY_SECONDS, ask(client)
    except MailgunError as exc:
        log.warning("subaccount discovery in region %s failed (%s): configured subaccounts only for now",
                    client.region, exc)  # fmt: skip
        return clock() + RETRY_SECONDS, {}


def forget() -> None:
    """Drop what was discovered (a changed configuration, tests)."""
    with _lock:
        _found.clear()
