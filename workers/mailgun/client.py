"""A Mailgun REST client bound to one region: suppressions, mailing-list membership, event logs, setup.

One instance per region, built from `settings.api_bases[region]`, and it only ever calls that host: every
operation names the region of the data it carries, and data of another region (or a sending domain not
configured in this region) is refused with `WrongRegion` before any I/O. Mailgun answers a wrong-region call
with 404 "Domain not found", which looks like success to a delete; refusing early is the only safe way.

Transient failures (5xx, timeouts, connection errors) are retried with exponential backoff and jitter. A 429
pauses the whole client (the region) for `Retry-After`, else the body's `retry-seconds`, else the backoff;
a pause longer than `max_wait` is not slept through but raised as `RateLimited`, so the caller can keep the
region paused durably. Any other answer, 4xx included, is returned as a `Reply` for the caller to judge.

The API key lives only inside the httpx auth object: it is never part of a message, a repr or a log line.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from app.core.metrics import MAILGUN_CALLS
from app.core.settings import Settings, SyncSettings
from workers.mailgun.errors import LogsUnavailable, MailgunError, RateLimited, Unavailable, WrongRegion
from workers.mailgun.logs import LOGS_PATH, LogPage, read_log_page
from workers.mailgun.replies import body as _body
from workers.mailgun.replies import failure_status as _failure_status
from workers.mailgun.replies import retry_after_header as _retry_after_header
from workers.mailgun.replies import urls_of as _urls_of
from workers.mailgun.subaccounts import with_discovered

SUPPRESSION_KINDS = ("bounces", "complaints", "unsubscribes")
MAX_BATCH = 1000  # Mailgun's limit per suppression POST (FACTS.md section 5).
PAGE_LIMIT = 100  # Mailgun's documented default page size for lists and members.
BACKOFF_CAP_SECONDS = 30.0
MAX_PAGES = 100_000  # A server that never returns an empty page must not loop us forever.
EVENTS_PAGE_LIMIT = 300  # Mailgun's maximum page size for the Events API.
ROUTES_PAGE_LIMIT = 1000  # Mailgun's maximum for GET /v3/routes.


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def message(self) -> str:
        """Mailgun's own words: `message` (or `Reason` for the webhook APIs), else the start of the body."""
        if isinstance(self.body, Mapping):
            for key in ("message", "Reason"):
                if isinstance(self.body.get(key), str):
                    return str(self.body[key])
        return str(self.body)[:300]


@dataclass(frozen=True, slots=True)
class EventPage:
    items: list[Any]
    next_url: str | None  # path and query on our own host


@dataclass(frozen=True, slots=True)
class Pacing:
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 0.5
    max_wait: float = 10.0

    @classmethod
    def from_settings(cls, sync: SyncSettings) -> Pacing:
        return cls(sync.api_timeout, sync.api_retries, sync.api_backoff, sync.api_max_wait)


class MailgunClient:
    def __init__(
        self,
        region: str,
        base_url: str,
        api_key: str,
        domains: Iterable[str],
        pacing: Pacing = Pacing(),  # frozen, so one shared default is safe
        *,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        subaccounts: Mapping[str, str] | None = None,
    ) -> None:
        self.region = region
        # A subaccount's domains are called on its behalf (X-Mailgun-On-Behalf-Of), with the parent's key.
        self.subaccounts = {d.lower(): account for d, account in (subaccounts or {}).items()}
        self.base_url = base_url.rstrip("/")
        self.domains = frozenset(d.lower() for d in domains)
        self.pacing = pacing
        self.paused_until = 0.0
        self._sleep = sleep
        self._jitter = jitter
        timeout = httpx.Timeout(pacing.timeout, connect=min(pacing.timeout, 5.0))
        headers = {"User-Agent": "mailhook"}
        self._http = httpx.Client(
            base_url=self.base_url, auth=("api", api_key), timeout=timeout, headers=headers
        )

    @classmethod
    def for_region(
        cls, settings: Settings, region: str, pacing: Pacing | None = None, **options: Any
    ) -> MailgunClient:
        """The region's client, on behalf of the subaccounts named or (when asked for) discovered."""
        if not settings.api_key:
            raise MailgunError("MAILGUN_API_KEY is not set: nothing can be synced back to Mailgun")
        pacing = pacing or Pacing.from_settings(settings.sync)
        base, domains = settings.api_bases[region], settings.domains_in(region)
        mine = {d: a for d, a in settings.subaccounts.items() if d in domains}
        client = cls(region, base, settings.api_key, domains, pacing, subaccounts=mine, **options)
        if settings.discover_subaccounts:
            client.subaccounts = with_discovered(client, client.subaccounts)
        return client

    def __repr__(self) -> str:
        return f"MailgunClient(region={self.region!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MailgunClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- operations -------------------------------------------------------------------------------

    def add_suppressions(self, region: str, domain: str, kind: str, records: list[dict[str, Any]]) -> Reply:
        """Upsert up to 1000 bounces, complaints or unsubscribes on one sending domain."""
        self._check(region, domain)
        if kind not in SUPPRESSION_KINDS or not 0 < len(records) <= MAX_BATCH:
            raise ValueError(
                f"{len(records)} {kind}: 1 to {MAX_BATCH} bounces/complaints/unsubscribes per call"
            )
        return self._send("POST", _path("v3", domain, kind), json=records, headers=self._behalf(domain))

    def delete_suppression(self, region: str, domain: str, kind: str, address: str) -> Reply:
        self._check(region, domain)
        if kind not in SUPPRESSION_KINDS:
            raise ValueError(f"unknown suppression kind {kind!r}")
        return self._send("DELETE", _path("v3", domain, kind, address), headers=self._behalf(domain))

    def unsubscribe_member(self, region: str, list_address: str, member: str) -> Reply:
        """`subscribed=no` on one member; PUT changes only the fields it is given. A list is seen by its own
        account only: asked on behalf of the subaccount owning the list's domain, else the parent's, and on a
        404 each known subaccount's (a 404 left would read as "no such member", and be taken as done)."""
        self._check(region)
        path = _path("v3", "lists", list_address, "members", member)
        owner = self.subaccounts.get(list_address.rpartition("@")[2].lower())
        reply = Reply(404, {})
        for account in [owner] if owner else [None, *self.subaccount_ids()]:
            reply = self._send("PUT", path, data={"subscribed": "no"}, headers=_on_behalf_of(account))
            if reply.status != 404:
                return reply
        return reply

    def lists(self, region: str, account: str | None = None) -> Iterator[dict[str, Any]]:
        """The parent's lists, or with `account` those of that subaccount (each account sees its own)."""
        self._check(region)
        return self._pages(_path("v3", "lists", "pages"), _on_behalf_of(account))

    def members(self, region: str, list_address: str, account: str | None = None) -> Iterator[dict[str, Any]]:
        self._check(region)
        return self._pages(_path("v3", "lists", list_address, "members", "pages"), _on_behalf_of(account))

    def subaccount_ids(self) -> list[str]:
        """The subaccounts of this region known to own a domain: their lists are read on their behalf."""
        return sorted(set(self.subaccounts.values()))

    # -- Events API, webhooks and routes: reconciliation and setup --------------------------------

    def event_page(self, region: str, domain: str, url: str) -> EventPage:
        """One Events API page: `url` is `events_url(...)` or a previous page's `next_url`."""
        self._check(region, domain)
        path = _same_host_path(url) or url
        body = _ok_body(
            self._send("GET", path, headers=self._behalf(domain)), "GET", _path("v3", domain, "events")
        )
        items = body.get("items")
        following = _same_host_path((body.get("paging") or {}).get("next"))
        return EventPage(list(items) if isinstance(items, list) else [], following)

    def log_page(self, region: str, domain: str, query: Mapping[str, Any]) -> LogPage:
        """One Logs API page of `domain` (see logs.py for the query); 403/404 raise `LogsUnavailable`."""
        self._check(region, domain)
        reply = self._send("POST", LOGS_PATH, json=dict(query))
        if reply.status in (403, 404):
            raise LogsUnavailable(f"POST {LOGS_PATH} answered {reply.status}: {reply.message}")
        return read_log_page(_ok_body(reply, "POST", LOGS_PATH))

    def account_call(self, region: str, method: str, path: str, **kwargs: Any) -> Reply:
        """An account-level call (`/v1/webhooks...`) on this region's host: only the region is checked."""
        self._check(region)
        return self._send(method, path, **kwargs)

    def probe_domain(self, region: str, domain: str) -> Reply:
        """The cheapest domain-bound call (one event): proves the key and that the domain lives here."""
        self._check(region, domain)
        return self._send("GET", f"{_path('v3', domain, 'events')}?limit=1", headers=self._behalf(domain))

    def webhooks(self, region: str, domain: str) -> dict[str, list[str]]:
        """The domain's v3 webhooks: event type to its URLs."""
        self._check(region, domain)
        path = _path("v3", "domains", domain, "webhooks")
        hooks = _ok_body(self._send("GET", path, headers=self._behalf(domain)), "GET", path).get("webhooks")
        if not isinstance(hooks, Mapping):
            return {}
        return {str(kind): _urls_of(value) for kind, value in hooks.items()}

    def create_webhook(self, region: str, domain: str, kind: str, urls: list[str]) -> Reply:
        self._check(region, domain)
        form = {"id": kind, "url": urls}
        return self._send(
            "POST", _path("v3", "domains", domain, "webhooks"), data=form, headers=self._behalf(domain)
        )

    def update_webhook(self, region: str, domain: str, kind: str, urls: list[str]) -> Reply:
        """PUT replaces the type's whole URL list: pass every URL to keep."""
        self._check(region, domain)
        path = _path("v3", "domains", domain, "webhooks", kind)
        return self._send("PUT", path, data={"url": urls}, headers=self._behalf(domain))

    def v4_webhook(self, region: str, domain: str, method: str, url: str, kinds: Iterable[str] = ()) -> Reply:
        """`/v4/domains/{domain}/webhooks`, one URL per call: POST adds it to `kinds`, PUT makes `kinds` all
        its types, DELETE removes it from every type."""
        self._check(region, domain)
        path, behalf = _path("v4", "domains", domain, "webhooks"), self._behalf(domain)
        if method == "DELETE":
            return self._send("DELETE", f"{path}?{urlencode({'url': url})}", headers=behalf)
        return self._send(method, path, data={"url": url, "event_types": list(kinds)}, headers=behalf)

    def routes(self, region: str) -> list[dict[str, Any]]:
        """Every route of this region's account (routes are per account and region, not per domain)."""
        self._check(region)
        found: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            path = f"/v3/routes?skip={len(found)}&limit={ROUTES_PAGE_LIMIT}"
            items = _ok_body(self._send("GET", path), "GET", "/v3/routes").get("items") or []
            found += [item for item in items if isinstance(item, dict)]
            if len(items) < ROUTES_PAGE_LIMIT:
                return found
        raise MailgunError(f"GET /v3/routes: paging did not end after {MAX_PAGES} pages")

    def create_route(
        self, region: str, expression: str, actions: list[str], priority: int, description: str
    ) -> Reply:
        self._check(region)
        form = {"expression": expression, "action": actions, "priority": str(priority),
                "description": description}  # fmt: skip
        return self._send("POST", "/v3/routes", data=form)

    def is_subaccount(self, domain: str) -> bool:
        return domain.lower() in self.subaccounts

    def _behalf(self, domain: str) -> dict[str, str]:
        return _on_behalf_of(self.subaccounts.get(domain.lower()))

    # -- the region rule --------------------------------------------------------------------------

    def _check(self, region: str, domain: str | None = None) -> None:
        if region != self.region:
            raise WrongRegion(f"refused: {region!r} data may not go to the {self.region!r} API host")
        if domain is not None and domain.lower() not in self.domains:
            raise WrongRegion(f"refused: domain {domain!r} is not configured in region {self.region!r}")

    # -- transport --------------------------------------------------------------------------------

    def _pages(self, path: str, headers: dict[str, str]) -> Iterator[dict[str, Any]]:
        """Follow `paging.next` until an empty page, staying on our own host whatever the link names."""
        url = f"{path}?limit={PAGE_LIMIT}"
        for _ in range(MAX_PAGES):
            reply = self._send("GET", url, headers=headers)
            if not reply.ok:
                raise MailgunError(f"GET {path} answered {reply.status}: {reply.message}")
            body = reply.body if isinstance(reply.body, Mapping) else {}
            items = body.get("items") or []
            if not items:
                return
            yield from items
            following = _same_host_path((body.get("paging") or {}).get("next"))
            if following is None or following == url:
                return
            url = following
        raise MailgunError(f"GET {path}: paging did not end after {MAX_PAGES} pages")

    def _send(self, method: str, url: str, **kwargs: Any) -> Reply:
        failure = ""
        for attempt in range(self.pacing.retries + 1):
            self._wait_if_paused(method, url)
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.TransportError as exc:  # timeouts included
                MAILGUN_CALLS.labels(self.region, _failure_status(exc)).inc()
                failure = f"{type(exc).__name__} on {method} {_bare(url)}"
            else:
                MAILGUN_CALLS.labels(self.region, str(response.status_code)).inc()
                if response.status_code == 429:
                    self.paused_until = max(
                        self.paused_until, time.time() + self._retry_delay(response, attempt)
                    )
                    continue  # the pause is the wait
                if response.status_code < 500:
                    return Reply(response.status_code, _body(response))
                failure = (
                    f"{response.status_code} on {method} {_bare(url)}: {Reply(500, _body(response)).message}"
                )
            if attempt < self.pacing.retries:
                self._sleep(self._backoff(attempt))
        if self.paused_until > time.time():
            raise RateLimited(self.paused_until, f"429 on {method} {_bare(url)}: region {self.region} paused")
        raise Unavailable(failure)

    def _wait_if_paused(self, method: str, url: str) -> None:
        remaining = self.paused_until - time.time()
        if remaining <= 0:
            return
        if remaining > self.pacing.max_wait:
            raise RateLimited(self.paused_until, f"429 on {method} {_bare(url)}: region {self.region} paused")
        self._sleep(remaining)

    def _backoff(self, attempt: int) -> float:
        """Exponential with equal jitter: never zero, never in lockstep with another worker."""
        ceiling = min(BACKOFF_CAP_SECONDS, self.pacing.backoff * 2**attempt)
        return ceiling / 2 + self._jitter() * ceiling / 2

    def _retry_delay(self, response: httpx.Response, attempt: int) -> float:
        header = _retry_after_header(response.headers.get("Retry-After"))
        if header is not None:
            return header
        body = _body(response)
        seconds = body.get("retry-seconds") if isinstance(body, Mapping) else None
        if isinstance(seconds, int | float) and not isinstance(seconds, bool) and 0 <= seconds < 86400:
            return float(seconds)
        return self._backoff(attempt)


def _path(*segments: str) -> str:
    # Addresses go into the path whole: `/` or `?` in a local part must not change which resource is named.
    return "/" + "/".join(quote(segment, safe="@+") for segment in segments)


def _on_behalf_of(account: str | None) -> dict[str, str]:
    return {"X-Mailgun-On-Behalf-Of": account} if account else {}


def _bare(url: str) -> str:
    return url.split("?", 1)[0]


def _same_host_path(link: object) -> str | None:
    """The path and query of a paging link; its host is ignored, so the key only ever goes to our host."""
    if not isinstance(link, str) or not link:
        return None
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def events_url(domain: str, begin: int, end: int, limit: int = EVENTS_PAGE_LIMIT) -> str:
    """The first page of a time range, oldest first (Mailgun's polling recipe)."""
    query = urlencode({"begin": begin, "end": end, "ascending": "yes", "limit": limit})
    return f"{_path('v3', domain, 'events')}?{query}"


def _ok_body(reply: Reply, method: str, path: str) -> Mapping[str, Any]:
    if not reply.ok:
        raise MailgunError(f"{method} {path} answered {reply.status}: {reply.message}")
    return reply.body if isinstance(reply.body, Mapping) else {}
