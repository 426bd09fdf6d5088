"""What the end-to-end list tests share: a signed complaint webhook, a fake list's subscriptions, waiting."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.conftest import sign
from tests.fakemailgun import FakeMailgun


def complaint(recipient: str, domain: str) -> dict[str, Any]:
    event = {
        "event": "complained",
        "id": uuid.uuid4().hex,
        "timestamp": time.time(),
        "recipient": recipient,
        "domain": {"name": domain},
        "message": {"headers": {"message-id": f"{uuid.uuid4().hex}@{domain}"}},
    }
    return {"signature": sign(), "event-data": event}


def subscribed(fake: FakeMailgun, list_address: str) -> dict[str, bool]:
    return {member["address"]: member["subscribed"] for member in fake.members(list_address)}


def wait_for(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return bool(condition())
