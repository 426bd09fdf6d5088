"""Mailgun misbehaving in turn (a long 429, 5xx past the client's retries, a request hung far longer than
the client waits), then recovering: every sync action completes, each address acknowledged once.

Each fault on its own is proven in tests/integration/sync/test_sync_push.py; here they come one after another
on the same outbox, and the hung request never returns within the test (as a call stuck for minutes would
not).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace

from tests.faults.mailgun_like import wait_for
from tests.integration.sync_support import World, event, sent

NEWS = "/v3/news.example.com/bounces"
SHOP = "/v3/shop.example.com/bounces"


def acknowledged(world: World, path: str) -> Counter[str]:
    return Counter(address for call in sent(world.us.calls, "POST", path) for address in call)


def test_429_then_500s_then_a_hang_of_minutes_every_action_completes_once(world: World) -> None:
    addresses = [f"user{i:03d}@example.org" for i in range(5)]
    for address in addresses:
        world.post(event("bounce", address, "mg.example.com"))
    world.drain()
    assert len(world.actions(status="pending", region="us")) == 10  # one per other domain of the region

    world.settings = replace(world.settings, sync=replace(world.settings.sync, api_timeout=0.3))
    world.us.fail_next(1, status=429, retry_after=1, method="POST")  # longer than the client waits: pause
    world.us.fail_next(3, status=500, method="POST")  # every in-call attempt of one call
    world.us.hang_next(1, 300.0, method="POST")  # answered only when the fake stops, never in time
    started = time.monotonic()
    world.push_until_settled("us", timeout=20)

    assert time.monotonic() - started < 20
    assert {row.status for row in world.actions(region="us")} == {"done"}
    statuses = Counter(call.status for call in world.us.calls if call.method == "POST")
    assert statuses[429] == 1 and statuses[500] == 3, statuses  # the faults were met, not skipped
    for path, domain in ((NEWS, "news.example.com"), (SHOP, "shop.example.com")):
        assert acknowledged(world, path) == Counter(addresses), path
        assert sorted(b["address"] for b in world.us.bounces(domain)) == addresses
    # The hung call was still waiting: stopping the fake releases it unanswered, so it changed nothing.
    world.us.stop()
    assert wait_for(lambda: any(call.status == 503 for call in world.us.calls), 5)
