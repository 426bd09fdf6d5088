"""One POST of one signed batch to one subscriber, judged: a 2xx is delivered, anything else is a failure
to try again (non-2xx, redirects included, timeouts, connection errors).

The secret signs and is never part of an error, a log line or a repr. Errors name the status or the kind of
failure only: neither the URL (its query may carry a subscriber's own token) nor the answer's body.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from app.core.webhook_signing import signed_headers

USER_AGENT = "mailhook-push"


@dataclass(frozen=True, slots=True)
class Delivery:
    ok: bool
    error: str | None = None


def http_client(timeout: float) -> httpx.Client:
    """One client per task run: connections to a subscriber are reused across its batches. Redirects are
    not followed: a batch goes to the URL the subscription names, and only there."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )


def deliver(client: httpx.Client, url: str, secret: str, message_id: str, body: bytes) -> Delivery:
    headers = {
        **signed_headers(secret, message_id, int(time.time()), body),
        "Content-Type": "application/json",
    }
    try:
        answer = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException as exc:
        return Delivery(False, f"timed out ({type(exc).__name__})")
    except httpx.HTTPError as exc:
        return Delivery(False, f"no answer ({type(exc).__name__})")
    if 200 <= answer.status_code < 300:
        return Delivery(True)
    return Delivery(False, f"answered HTTP {answer.status_code}")
