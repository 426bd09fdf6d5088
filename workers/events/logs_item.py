"""A Logs API item (`POST /v1/analytics/logs`) read as the event-data object it describes. Pure.

Logs items carry the fields of a webhook's `event-data`, with three differences the normalizer must not
see: the time is `@timestamp`, ISO 8601 with milliseconds (`2024-07-08T16:30:18.530Z`), instead of epoch
seconds; `storage.url` is a list of URLs instead of one; `user-variables` is JSON text (which the normalizer
reads already). `domain` is `{"name": ...}`, as some event-data already is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from workers.events.payload_decode import NormalizationError, parse_timestamp

# Date, time, an optional fraction of any length, then Z or an offset: what ISO 8601 timestamps look like
# in JSON. Anything else is refused rather than guessed at (a local time would shift the event).
_ISO = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})\Z")


def iso_epoch(value: object) -> Decimal:
    """`@timestamp` as exact epoch seconds (a Decimal, so no digit is lost to binary floats)."""
    match = _ISO.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise NormalizationError(f"`@timestamp` is missing or not ISO 8601: {str(value)[:60]!r}")
    day, clock, fraction, zone = match.groups()
    zone = "+00:00" if zone in ("Z", "z") else zone
    try:
        whole = datetime.fromisoformat(f"{day}T{clock}{zone}")
    except ValueError:
        raise NormalizationError(f"`@timestamp` is not a real time: {value!r}") from None
    return Decimal(int(whole.timestamp())) + Decimal(f"0.{fraction or 0}")


def as_event_data(item: object) -> Mapping[str, Any]:
    """The item with `timestamp` in epoch seconds and one storage URL, as event-data has them."""
    if not isinstance(item, Mapping):
        raise NormalizationError(f"a Logs API item must be a JSON object, not {type(item).__name__}")
    data = dict(item)
    data["timestamp"] = str(iso_epoch(item.get("@timestamp")))
    storage = item.get("storage")
    if isinstance(storage, Mapping) and isinstance(storage.get("url"), list):
        urls = [url for url in storage["url"] if isinstance(url, str) and url]
        data["storage"] = {**storage, "url": urls[0] if urls else None}
    return data


def log_time(item: object) -> datetime | None:
    """When a Logs API item happened, or None when that cannot be read (its normalizer will say why)."""
    try:
        return parse_timestamp(str(iso_epoch(item.get("@timestamp")))) if isinstance(item, Mapping) else None
    except NormalizationError:
        return None
