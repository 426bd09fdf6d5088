"""The processor of route posts (inbound mail, store() notifications): parsed before the write, stored inside
it; the fetch of a stored message is sent once the message's row has committed."""

from __future__ import annotations

from app.core.db import engine_for_url
from workers.events.batch import Batch
from workers.events.claims import ClaimedRow
from workers.inbound.store import InboundResult, store_inbound
from workers.inbound.tasks import enqueue_fetches
from workers.inbound.triage import Parsed


def write_route_post(batch: Batch, row: ClaimedRow, read: Parsed | InboundResult) -> None:
    result = store_inbound(batch.work.connection, row, read, batch.settings, batch.store)
    if result.forward_to is not None:
        batch.forwards[row.id] = engine_for_url(result.forward_to)
    elif result.dead_reason is not None:
        batch.dead[row.id] = result.dead_reason
    if result.fetches:
        settings, store, fetches = batch.settings, batch.store, result.fetches
        batch.fetches += fetches
        batch.work.after_commit(lambda: enqueue_fetches(settings, fetches, store))
