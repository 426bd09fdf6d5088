"""GET one stored message from Mailgun: the raw MIME when Mailgun has it, parsed into an InboundMessage.

Network only, no database. The caller has already checked that the URL is one of the region's hosts; redirects
are not followed, so the API key never travels further than that check allowed. Errors name the HTTP status
or the exception type, never the request (whose headers carry the key). A message received on a subaccount's
domain is fetched on its behalf (`X-Mailgun-On-Behalf-Of`): with the parent's key alone Mailgun answers 404.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx

from workers.inbound.limits import DEFAULT_LIMITS, MimeLimits
from workers.inbound.parse import (
    InboundMessage,
    InboundParseError,
    parse_mime,
    parse_stored_message,
)

# A stored message is at most 25 MB; as JSON with its MIME in a string, a little more.
MAX_RESPONSE_BYTES = 40 * 1024 * 1024
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RAW_TYPES = ("message/rfc2822", "message/rfc822")
_RETRYABLE_STATUSES = (408, 425, 429)


@dataclass(frozen=True, slots=True)
class FetchFailure:
    reason: str
    permanent: bool
    status: int | None = None


def new_client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False)


def fetch_message(
    client: httpx.Client,
    url: str,
    api_key: str,
    fallback: str | None = None,
    limits: MimeLimits = DEFAULT_LIMITS,
    *,
    on_behalf_of: str | None = None,
) -> InboundMessage | FetchFailure:
    """The stored message at `url`; on a 404 there, once more at `fallback` when it is another URL."""
    # Accept: message/rfc2822 asks Mailgun for the raw MIME (`body-mime`) rather than parsed parts.
    headers = {"Accept": RAW_TYPES[0], **({"X-Mailgun-On-Behalf-Of": on_behalf_of} if on_behalf_of else {})}
    outcome = _fetch(client, url, api_key, limits, headers)
    if isinstance(outcome, FetchFailure) and outcome.status == 404 and fallback and fallback != url:
        return _fetch(client, fallback, api_key, limits, headers)
    return outcome


def _fetch(
    client: httpx.Client, url: str, api_key: str, limits: MimeLimits, headers: dict[str, str]
) -> InboundMessage | FetchFailure:
    try:
        with client.stream(
            "GET", url, auth=("api", api_key), headers=headers, follow_redirects=False
        ) as response:
            if response.status_code != 200:
                return failure_for_status(response.status_code)
            body = _read_capped(response)
            media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    except httpx.HTTPError as exc:
        return FetchFailure(f"Mailgun storage unreachable ({type(exc).__name__})", permanent=False)
    if body is None:
        return FetchFailure(f"stored message larger than {MAX_RESPONSE_BYTES} bytes", permanent=True)
    return _parse(body, media_type, url, limits)


def _read_capped(response: httpx.Response) -> bytes | None:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes, media_type: str, url: str, limits: MimeLimits) -> InboundMessage | FetchFailure:
    try:
        if media_type in RAW_TYPES:
            return parse_mime(body, limits)
        document = json.loads(body)
        return parse_stored_message(document, storage_url=url, limits=limits)
    except (InboundParseError, ValueError, RecursionError) as exc:
        return FetchFailure(
            f"Mailgun answered something that is not a stored message ({type(exc).__name__})", permanent=True
        )


def failure_for_status(status: int) -> FetchFailure:
    if status in (401, 403):
        return FetchFailure(
            f"Mailgun refused the API key (HTTP {status}): check MAILGUN_API_KEY, then replay",
            permanent=True,
            status=status,
        )
    if status == 404:
        return FetchFailure(
            "the stored message is gone (HTTP 404): Mailgun keeps stored messages about 3 days",
            permanent=True,
            status=status,
        )
    if status in _RETRYABLE_STATUSES or status >= 500:
        return FetchFailure(f"Mailgun storage answered HTTP {status}", permanent=False, status=status)
    return FetchFailure(f"Mailgun storage answered HTTP {status}", permanent=True, status=status)
