"""Standard Webhooks signing: the specification's own example, its verification steps written out, and the
reference library (standardwebhooks, a test-only dependency) as an independent verifier."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.core.webhook_signing import (
    SECRET_PREFIX,
    message_id,
    new_secret,
    secret_key,
    signature,
    signed_headers,
)

# The example of the specification's signature scheme (and of the reference libraries' tests).
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def verify_as_the_specification_says(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The verification steps: split off the prefix, base64-decode the key, sign "{id}.{timestamp}.{body}",
    compare in constant time against each space-separated `v1,` signature."""
    key = base64.b64decode(secret.split("_", 1)[1])
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


def test_the_specifications_example() -> None:
    assert signature(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_new_secrets_are_whsec_and_enough_random_bytes() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert secret.startswith(SECRET_PREFIX)
        assert 24 <= len(secret_key(secret)) <= 64


@given(st.binary(max_size=2000), st.integers(min_value=0, max_value=2**40), st.text(min_size=1, max_size=40))
def test_what_is_signed_verifies_by_the_specifications_steps(
    body: bytes, timestamp: int, suffix: str
) -> None:
    secret = new_secret()
    headers = signed_headers(secret, f"msg_{suffix}", timestamp, body)
    assert verify_as_the_specification_says(secret, headers, body)
    assert not verify_as_the_specification_says(secret, headers, body + b" ")
    assert not verify_as_the_specification_says(new_secret(), headers, body)


def test_the_reference_library_verifies_and_refuses() -> None:
    secret, body = new_secret(), b'{"items": [{"id": 1}]}'
    now = int(datetime.now(UTC).timestamp())
    headers = signed_headers(secret, message_id(7, "primary", 123, 456), now, body)
    assert Webhook(secret).verify(body, headers) == {"items": [{"id": 1}]}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"1", b"2"), headers)
    with pytest.raises(WebhookVerificationError):  # replayed long after: the timestamp is checked
        Webhook(secret).verify(body, signed_headers(secret, headers["webhook-id"], now - 3600, body))


def test_a_batch_id_is_the_same_for_the_same_start_and_differs_otherwise() -> None:
    assert message_id(1, "primary", 10, 20) == message_id(1, "primary", 10, 20)
    others = {message_id(2, "primary", 10, 20), message_id(1, "eu", 10, 20), message_id(1, "primary", 10, 21)}
    assert message_id(1, "primary", 10, 20) not in others and len(others) == 3
