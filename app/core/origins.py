"""Whether a browser says a request comes from another site: for the API's state-changing calls and the
dashboard's forms alike. Pure."""

from __future__ import annotations

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Sec-Fetch-Site values of a request made by this origin's own pages, or typed by the user.
_OWN_SITE = frozenset({"same-origin", "none"})


def foreign_origin(own_origin: str, origin: str | None, fetch_site: str | None) -> bool:
    """Whether the browser says the request comes from a page of another origin or site.

    `Origin: null` names no origin: Chrome sends it for this service's own forms, whose pages set
    `Referrer-Policy: no-referrer`. Sec-Fetch-Site then says where the request came from."""
    origin = None if origin is None or origin.strip() == "null" else origin
    if origin is not None and origin.strip().rstrip("/").lower() != own_origin.rstrip("/").lower():
        return True
    return fetch_site is not None and fetch_site.strip().lower() not in _OWN_SITE
