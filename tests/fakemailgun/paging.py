"""Address-keyed paging, as Mailgun pages suppressions, mailing lists and list members.

Links are ``<fake url><path>?page=next&address=<pivot>&limit=N`` (Mailgun's shape, with the fake's
host). As with Mailgun, ``next`` is always present: a client stops on an empty page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from .common import ApiError, Ctx, parse_limit


def address_page(
    ctx: Ctx,
    records: list[dict[str, Any]],
    *,
    default_limit: int = 100,
    max_limit: int = 1000,
    keep: tuple[str, ...] = (),
    prev_word: str = "previous",
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """One page of ``records`` (sorted by lower-cased address) and its paging links.
    ``keep`` names query parameters (filters) carried over into the links; ``prev_word`` is the
    ``page`` value of the previous link (suppressions say "previous", list members "prev")."""
    query = ctx.query
    limit = parse_limit(query.get("limit"), default_limit, max_limit)
    page = query.get("page", "")
    pivot = query.get("address", "").lower()
    if page in ("", "first"):
        items = records[:limit]
    elif page == "next":
        items = [r for r in records if r["address"].lower() > pivot][:limit]
    elif page in ("prev", "previous"):
        items = [r for r in records if r["address"].lower() < pivot][-limit:]
    elif page == "last":
        items = records[-limit:]
    else:
        raise ApiError(400, f"Invalid page {page!r}: use first, next, previous or last", invalid=True)

    extra = {k: query[k] for k in keep if k in query}
    path = ctx.request.path

    def link(which: str, address: str | None) -> str:
        params = {"page": which, **({"address": address} if address is not None else {}), "limit": limit}
        return f"{ctx.base_url}{path}?{urlencode({**params, **extra})}"

    next_pivot = items[-1]["address"] if items else query.get("address", "")
    prev_pivot = items[0]["address"] if items else query.get("address", "")
    paging = {
        "first": link("first", None),
        "last": link("last", None),
        "next": link("next", next_pivot),
        "previous": link(prev_word, prev_pivot),
    }
    return items, paging
