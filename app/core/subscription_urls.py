"""Which URLs a push subscription may name. Pure: no I/O, no name lookup.

http or https only, with a host and without userinfo (credentials in a URL end up in logs and proxies; a
subscriber authenticates the batches by their signature instead). Loopback and private addresses are
allowed: subscribers are usually the team's own services. MAILHOOK_SUBSCRIPTION_ALLOWED_HOSTS narrows the
hosts to a list: exact names, or `.example.com` for every name under example.com.
"""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048


class RefusedUrl(ValueError):
    """Why a subscription URL is refused, in words fit for the API's answer."""


def checked_url(raw: object, allowed_hosts: tuple[str, ...] = ()) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise RefusedUrl("must be an http or https URL")
    url = raw.strip()
    if len(url) > MAX_URL_LENGTH or not url.isascii() or any(c.isspace() or ord(c) < 32 for c in url):
        raise RefusedUrl(f"must be a URL of at most {MAX_URL_LENGTH} ASCII characters, without spaces")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        raise RefusedUrl("is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise RefusedUrl("must use http or https")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise RefusedUrl("must not carry a user name or password: batches are authenticated by signature")
    if not host:
        raise RefusedUrl("must name a host")
    if parts.fragment:
        raise RefusedUrl("must not have a #fragment")
    if allowed_hosts and not host_allowed(host, allowed_hosts):
        raise RefusedUrl("names a host outside MAILHOOK_SUBSCRIPTION_ALLOWED_HOSTS")
    return url


def host_allowed(host: str, allowed_hosts: tuple[str, ...]) -> bool:
    name = host.lower().rstrip(".")
    for allowed in allowed_hosts:
        if allowed.startswith(".") and (name.endswith(allowed) or name == allowed[1:]):
            return True
        if name == allowed.strip("[]"):
            return True
    return False
