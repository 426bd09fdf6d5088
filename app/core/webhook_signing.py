"""Standard Webhooks signing (https://www.standardwebhooks.com): the secrets handed to push subscribers and
the headers every pushed batch carries. Pure: no I/O.

A secret is `whsec_` + base64 of random bytes; the key is those bytes. A batch is signed as
`v1,` + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")), so a subscriber verifies with
any Standard Webhooks library, or with the few lines in README.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32  # within the specification's 24 to 64


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_` secret stands for."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


def message_id(subscription_id: int, store: str, start_xact: int, start_id: int) -> str:
    """The batch's webhook-id: the subscription and the feed position the batch starts after. A retry of a
    batch starts at the same position, so it carries the same id, and a subscriber deduplicates by it."""
    return f"msg_{store}_{subscription_id}_{start_xact}_{start_id}"
