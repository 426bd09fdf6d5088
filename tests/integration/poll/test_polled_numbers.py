"""An Events API item holding an integer beyond 64 bits is stored by the poller with every digit, on both
stores (the webhook path is tests/integration/events/test_exact_numbers.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from app.core.models.events import Event
from tests.integration.reconcile_support import US, Fakes, event_item, now, settings_for_fakes
from workers.poll.reconcile import poll_all

ORDER_ID = 123456789012345678901234567


def test_a_polled_big_integer_is_kept_exactly(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    item = event_item(now() - timedelta(hours=1))
    item["user-variables"] = {"order_id": ORDER_ID, "nested": [{"n": -(2**70)}]}
    fakes.us.add_events(US, [item])

    (report,) = [r for r in poll_all(engine, settings_for_fakes(db_url, fakes, tmp_path)) if r.domain == US]

    assert (report.new, report.dead) == (1, 0)
    with engine.connect() as connection:
        variables, payload = connection.execute(select(Event.user_variables, Event.payload)).one()
    assert variables == {"order_id": ORDER_ID, "nested": [{"n": -(2**70)}]}
    kept = payload["user-variables"]  # the Logs API sends user variables as JSON text, kept as sent
    assert (json.loads(kept) if isinstance(kept, str) else kept) == variables
    fakes.check()
