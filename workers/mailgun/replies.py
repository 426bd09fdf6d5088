"""Reading Mailgun's answers: bodies, Retry-After, webhook URL lists, what a failed call counts as."""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import httpx


def failure_status(exc: httpx.TransportError) -> str:
    """The API-calls counter's status for a call that got no answer."""
    return "timeout" if isinstance(exc, httpx.TimeoutException) else "error"


def urls_of(value: object) -> list[str]:
    """`{"urls": [...]}`, or the older `{"url": "..."}` shape some accounts still answer with."""
    if not isinstance(value, Mapping):
        return []
    urls = value.get("urls", value.get("url"))
    if isinstance(urls, str):
        return [urls]
    return [url for url in urls if isinstance(url, str)] if isinstance(urls, list) else []


def body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:1000]


def retry_after_header(value: str | None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date; anything unreadable counts as absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None
