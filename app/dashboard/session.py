"""The dashboard's login cookie: an HMAC keyed by the token, so the cookie never carries the token itself."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

COOKIE = "mailhook_dashboard"
_PURPOSE = b"mailhook dashboard session v1"


def cookie_value(token: str) -> str:
    return hmac.new(token.encode(), _PURPOSE, hashlib.sha256).hexdigest()


def cookie_is_valid(value: str | None, tokens: Iterable[str]) -> bool:
    presented = (value or "").encode()
    matched = False
    for token in tokens:
        # Every token is compared every time, in constant time.
        matched |= hmac.compare_digest(presented, cookie_value(token).encode())
    return matched and bool(presented)
