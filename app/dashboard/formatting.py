"""Template filters the console's pages share: times, rates, JSON documents and delivery statuses as text.
Pure: values in, text out (Jinja escapes it when it is put in a page)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment is not None else ""


def percent(rate: float) -> str:
    """A rate as a percentage with enough digits to tell 0.1% from 0.05%."""
    return f"{rate * 100:.2f}%"


def pretty_json(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def delivery_status(status: Any) -> str:
    """Mailgun's delivery-status as one line: the SMTP code, the enhanced code and the message."""
    if not isinstance(status, dict):
        return ""
    parts = [str(status.get(key)) for key in ("code", "enhanced-code") if status.get(key) not in (None, "")]
    message = status.get("message") or status.get("description") or ""
    return " ".join([*parts, str(message)]).strip()


def client(info: Any) -> str:
    if not isinstance(info, dict):
        return ""
    keys = ("client-name", "client-os", "device-type", "client-type")
    return ", ".join(str(info[key]) for key in keys if info.get(key))


def place(geolocation: Any) -> str:
    if not isinstance(geolocation, dict):
        return ""
    keys = ("city", "region", "country")
    return ", ".join(
        str(geolocation[key]) for key in keys if geolocation.get(key) not in (None, "", "Unknown")
    )


FILTERS = {
    "when": when,
    "percent": percent,
    "pretty_json": pretty_json,
    "delivery_status": delivery_status,
    "client": client,
    "place": place,
}
