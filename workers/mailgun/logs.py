"""The Logs API (`POST /v1/analytics/logs`), Mailgun's successor to the Events API: a query and its pages.

One query names a time range (`start`/`end`, RFC 2822, whole seconds), one sending domain (a `domain`
filter: the endpoint is account-wide) and `pagination` (`sort: timestamp:asc`, `limit`, and from the second
page on the `token` of the previous answer's `pagination.next`). The same body is sent again with each token.
Pure: the client (client.py) sends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

LOGS_PATH = "/v1/analytics/logs"
LOGS_PAGE_LIMIT = 100  # the schema's maximum ("100 max")


@dataclass(frozen=True, slots=True)
class LogPage:
    items: list[Any]
    next_token: str | None


def logs_query(
    domain: str,
    start: datetime,
    end: datetime,
    token: str | None = None,
    limit: int = LOGS_PAGE_LIMIT,
    *,
    subaccount: bool = False,
) -> dict[str, Any]:
    """The body of one page's request, oldest first. A subaccount's domain is asked for with
    `include_subaccounts`: the parent's key sees only its own logs otherwise."""
    pagination: dict[str, Any] = {"sort": "timestamp:asc", "limit": limit}
    if token:
        pagination["token"] = token
    extra = {"include_subaccounts": True} if subaccount else {}
    return {
        **extra,
        "start": rfc2822(start),
        "end": rfc2822(end),
        "filter": {"AND": [domain_is(domain)]},
        "pagination": pagination,
    }


def domain_is(domain: str) -> dict[str, Any]:
    return {"attribute": "domain", "comparator": "=", "values": [{"label": domain, "value": domain}]}


def read_log_page(body: Mapping[str, Any]) -> LogPage:
    """`items` and `pagination.next`; anything else in the answer is not needed to read on."""
    items = body.get("items")
    paging = body.get("pagination")
    token = paging.get("next") if isinstance(paging, Mapping) else None
    return LogPage(
        list(items) if isinstance(items, list) else [], token if isinstance(token, str) and token else None
    )


def rfc2822(moment: datetime) -> str:
    """`Mon, 08 Jul 2024 00:00:00 +0000`: whole seconds (RFC 2822 has no fraction), always UTC."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))
