"""Where the poller reads Mailgun's event log: the Logs API (the default) or the deprecated Events API.

Both are read the same way (reconcile.py): a window, oldest first, page by page, each page judged against
the trust horizon. What differs is here: how a page is asked for, how its items tell their time, which
normalizer reads them, and the `source` and dead-letter kind they are stored under.

`MAILHOOK_POLL_SOURCE=events` reads the Events API only. With `logs` (the default), a Logs API answering
403 or 404 (an account or plan without it) is logged once as a warning and the Events API is read instead,
for the rest of that client's life (one run, one region), from the start of the window being read.

The Logs API's `start` is asked one second before the window: RFC 2822 has whole seconds only and Mailgun
does not say whether `start` is inclusive, so the boundary second is read again and deduplicated by the
events' unique key rather than possibly skipped. Its last page is one that has no `next` token and is not
full; a full page without one may hide more (the next run asks again from the newest event stored).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from workers.events.logs_item import log_time
from workers.events.normalize import NormalizedEvent, normalize_events_api_item, normalize_logs_api_item
from workers.mailgun.client import LogsUnavailable, MailgunClient, events_url
from workers.mailgun.logs import LOGS_PAGE_LIMIT, logs_query
from workers.poll.polling import ItemTime, Window, event_time

log = logging.getLogger(__name__)

BOUNDARY_OVERLAP = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class ItemKind:
    """How the items of one source are read and stored."""

    name: str  # the events' `source`, the dead letters' inbox kind and route
    time_of: ItemTime
    normalize: Callable[..., NormalizedEvent]

    @property
    def token_prefix(self) -> str:
        return self.name.replace("_", "-")


EVENTS_API = ItemKind("events_api", event_time, normalize_events_api_item)
LOGS_API = ItemKind("logs_api", log_time, normalize_logs_api_item)


@dataclass(frozen=True, slots=True)
class Page:
    kind: ItemKind
    items: list[Any]
    following: str | None  # what asks for the next page (a URL, a token); None: there is none
    last: bool = False  # the source says nothing follows within the window


class EventsSource:
    kind = EVENTS_API

    def __init__(self, client: MailgunClient) -> None:
        self.client = client

    def page(self, domain: str, window: Window, position: str | None) -> Page:
        url = position or events_url(domain, window.begin_epoch, window.end_epoch)
        page = self.client.event_page(self.client.region, domain, url)
        following = page.next_url if page.next_url != url else None
        return Page(EVENTS_API, page.items, following)  # an empty page is the Events API's "the end"


class LogsSource:
    kind = LOGS_API

    def __init__(self, client: MailgunClient) -> None:
        self.client = client

    def page(self, domain: str, window: Window, position: str | None) -> Page:
        start = window.begin - BOUNDARY_OVERLAP
        query = logs_query(domain, start, window.end, position, subaccount=self.client.is_subaccount(domain))
        page = self.client.log_page(self.client.region, domain, query)
        following = page.next_token if page.next_token != position else None
        last = following is None and len(page.items) < LOGS_PAGE_LIMIT
        return Page(LOGS_API, page.items, following, last)


class ChosenSource:
    """The configured source, falling back from the Logs API to the Events API when Logs is refused."""

    def __init__(self, client: MailgunClient, preferred: str) -> None:
        self.client = client
        self.current: EventsSource | LogsSource = (
            LogsSource(client) if preferred == "logs" else EventsSource(client)
        )

    def page(self, domain: str, window: Window, position: str | None) -> Page:
        try:
            return self.current.page(domain, window, position)
        except LogsUnavailable as exc:
            log.warning("Logs API unavailable in region %s (%s): reading the deprecated Events API instead; "
                        "set MAILHOOK_POLL_SOURCE=events to choose it", self.client.region, exc)  # fmt: skip
            self.current = EventsSource(self.client)
            return self.current.page(domain, window, None)  # a Logs token means nothing to the Events API
