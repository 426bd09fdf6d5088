"""The processor of tracking webhooks (and of the poller's replayed items): normalized before the write, each
event then left to the batch, which records them together."""

from __future__ import annotations

from app.core.settings import Settings
from workers.events.batch import Batch
from workers.events.claims import ClaimedRow
from workers.events.interpret import DeadLetter, Outcome, interpret_webhook


def read_webhook(row: ClaimedRow, settings: Settings) -> Outcome:
    return interpret_webhook(
        row.kind,
        row.content_type,
        row.body,
        domain_regions=settings.domain_regions,
        region_hint=row.region_hint,
        domain_hint=row.domain_hint,
    )


def write_webhook(batch: Batch, row: ClaimedRow, outcome: Outcome) -> None:
    if isinstance(outcome, DeadLetter):
        batch.dead[row.id] = outcome.reason
        return
    home = batch.elsewhere.get(outcome.region)
    if home is not None:  # the event's region keeps a database of its own: the raw row moves there
        batch.forwards[row.id] = home
        return
    # A fresh dict, completed in place; its lists and dicts are the event's own, which nothing else holds.
    event = outcome.as_row(copy_containers=False)
    event["inbox_id"], event["received_at"] = row.id, row.received_at
    batch.events.append(event)
