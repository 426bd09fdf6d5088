"""API credentials, in Mailgun's manner: `Authorization: Bearer <token>` or HTTP Basic `api:<token>`.

The presented token is compared with every configured token in constant time, and all of them are always
compared, so neither the timing nor the position of a match says anything about a token. No configured
tokens means no access. The header's value never reaches a log line or an error message.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable

from app.api.problems import ApiError

BASIC_USER = "api"
# Bearer only: a Basic challenge makes browsers prompt for and then cache credentials, which they attach to
# every later request here, cross-site forms included. Basic is still accepted when a client sends it.
CHALLENGE = 'Bearer realm="mailhook"'


def presented_token(authorization: str | None) -> str | None:
    """The token an Authorization header carries, or None when it carries none in a form we accept."""
    scheme, credentials = _scheme_and_credentials(authorization)
    if scheme == "bearer":
        return credentials or None
    if scheme == "basic":
        return _basic_password(credentials)
    return None


def presents_bearer(authorization: str | None) -> bool:
    """Whether the header is a Bearer one: a browser never adds such a header on its own."""
    return _scheme_and_credentials(authorization)[0] == "bearer"


def token_is_valid(token: str | None, tokens: Iterable[str]) -> bool:
    presented = (token or "").encode()
    matched = False
    for known in tokens:
        # `|` not `or`: no short circuit, every token is compared every time.
        matched |= hmac.compare_digest(presented, known.encode())
    return matched and bool(presented)


def check_authorization(authorization: str | None, tokens: Iterable[str]) -> None:
    if not token_is_valid(presented_token(authorization), tokens):
        raise ApiError(
            401, "unauthorized", "a valid API token is required (Bearer, or Basic with user 'api')"
        )


def _scheme_and_credentials(authorization: str | None) -> tuple[str, str]:
    scheme, _, credentials = (authorization or "").strip().partition(" ")
    return scheme.lower(), credentials.strip()


def _basic_password(credentials: str) -> str | None:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep or user != BASIC_USER:
        return None
    return password or None
