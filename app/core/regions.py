"""Which Mailgun region a domain, a URL or a storage host belongs to.

Mailgun keeps message data, suppressions, lists and event logs in the region that processed them, and its API
never says which region a domain is in: configuration says, and storage URLs give a second opinion. Pure: no
I/O, no framework imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

REGIONS = ("us", "eu")

DEFAULT_API_BASES: Mapping[str, str] = {
    "us": "https://api.mailgun.net",
    "eu": "https://api.eu.mailgun.net",
}

# Storage hosts seen in real payloads. Unknown `storage-*` hosts are classified by their name below, so a new
# Mailgun storage cluster does not need a release.
_STORAGE_HOSTS: Mapping[str, str] = {
    "storage-us-east4.api.mailgun.net": "us",
    "storage-us-west1.api.mailgun.net": "us",
    "se.api.mailgun.net": "us",
    "sw.api.mailgun.net": "us",
    "so.api.mailgun.net": "us",
    "si.api.mailgun.net": "us",
    "storage.api.mailgun.net": "us",
    "storage-europe-west1.api.mailgun.net": "eu",
    "storage.eu.mailgun.net": "eu",
    "se.api.eu.mailgun.net": "eu",
    "storage.api.eu.mailgun.net": "eu",
}


def normalize_region(value: str | None) -> str | None:
    """`US`, ` eu ` and friends to `us`/`eu`; anything else to None."""
    if value is None:
        return None
    cleaned = value.strip().lower()
    return cleaned if cleaned in REGIONS else None


def region_for_storage_host(host: str | None) -> str | None:
    """The region of a Mailgun storage host, or None when the host is not Mailgun's."""
    if not host:
        return None
    host = host.lower().rstrip(".")
    if host in _STORAGE_HOSTS:
        return _STORAGE_HOSTS[host]
    if not host.endswith(".mailgun.net"):
        return None
    if host.endswith(".eu.mailgun.net") or "europe" in host:
        return "eu"
    if host.startswith("storage-us") or host.startswith("storage."):
        return "us"
    return None


def region_for_url(url: str | None) -> str | None:
    """The region of a storage URL, judged by its host."""
    if not url:
        return None
    try:
        return region_for_storage_host(urlsplit(url).hostname)
    except ValueError:
        return None


def is_storage_host_of(region: str, host: str | None) -> bool:
    return region_for_storage_host(host) == region


def region_for_api_url(url: str | None, api_bases: Mapping[str, str]) -> str | None:
    """The region whose configured API base serves `url` (same scheme, host and port), else None."""
    origin = _origin(url)
    if origin is None:
        return None
    return next((region for region, base in api_bases.items() if _origin(base) == origin), None)


def is_region_url(url: str | None, region: str, api_bases: Mapping[str, str]) -> bool:
    """Whether the API key may be sent to `url` for `region`'s data.

    Only to the region's Mailgun storage hosts over https, or to the region's configured API base (which
    also serves stored messages). A configured base counts whatever its host: it is where the operator
    said that region's API lives.
    """
    origin = _origin(url)
    if origin is None:
        return False
    if origin == _origin(api_bases.get(region)):
        return True
    return origin[0] == "https" and is_storage_host_of(region, origin[1])


def _origin(url: str | None) -> tuple[str, str, int | None] | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower().rstrip("."), port


def region_for_domain(
    domain: str | None, domain_regions: Mapping[str, str], default: str | None = None
) -> str | None:
    """The configured region of a sending domain (case-insensitive), else `default`."""
    if not domain:
        return default
    return domain_regions.get(domain.strip().lower(), default)
