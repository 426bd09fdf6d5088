"""The poller reading the Events API (MAILHOOK_POLL_SOURCE=events) against fake Mailgun servers (one per
region), on Postgres and SQLite; test_reconcile_logs.py holds the same rules for the Logs API, the default.

Events are seeded in the fake with times relative to now, so Mailgun's trust lag applies as it would live.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select

from app.core.db import make_engine
from app.core.models.inbox import InboxRow
from app.core.models.polling import PollCursor
from app.core.settings import PollSettings, Settings
from tests.integration.reconcile_support import (
    EU,
    LAG,
    US,
    US2,
    Fakes,
    cursor,
    deliver_webhook,
    event_item,
    event_queries,
    items_from,
    now,
    stored,
)
from tests.integration.reconcile_support import settings_for_fakes as any_source_settings
from workers.poll.reconcile import PollReport, poll_all
from workers.poll.store import claim_cursor


def settings_for_fakes(db_url: str, fakes: Fakes, tmp_path: Path, **overrides: Any) -> Settings:
    return any_source_settings(db_url, fakes, tmp_path, poll=PollSettings(source="events"), **overrides)


def by_domain(reports: list[PollReport]) -> dict[str, PollReport]:
    return {report.domain: report for report in reports}


def test_a_gap_is_closed_exactly(engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    items = items_from(now() - timedelta(hours=3), 8)
    fakes.us.add_events(US, items)
    for item in items[:3]:  # these three reached us by webhook; the other five were missed
        assert deliver_webhook(engine, settings, item) == 1

    report = by_domain(poll_all(engine, settings))[US]

    assert (report.outcome, report.seen, report.new, report.dead) == ("caught_up", 8, 5, 0)
    sources = stored(engine)
    assert {sources[i["id"]][0] for i in items[:3]} == {"webhook"}
    assert {sources[i["id"]][0] for i in items[3:]} == {"events_api"}
    assert len(sources) == 8
    fakes.check()


def test_webhooks_and_polls_overlapping_store_each_event_once(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    items = items_from(now() - timedelta(hours=2), 4)
    fakes.us.add_events(US, items)
    poll_all(engine, settings)
    # Late webhooks (Mailgun's retries) for events the poll already stored add nothing.
    assert [deliver_webhook(engine, settings, item) for item in items] == [0, 0, 0, 0]
    fakes.us.add_events(US, [event_item(now() - timedelta(minutes=20))])  # newer than the cursor
    again = by_domain(poll_all(engine, settings, now=now() + timedelta(minutes=15)))[US]

    assert len(stored(engine)) == 5
    assert again.new == 1


def test_the_trust_lag_is_respected(engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    start = now()
    old, fresh = event_item(start - timedelta(hours=2)), event_item(start - timedelta(minutes=5))
    fakes.us.add_events(US, [old, fresh])

    first = by_domain(poll_all(engine, settings, now=start))[US]

    assert set(stored(engine)) == {old["id"]}
    assert first.trusted_until is not None
    assert first.trusted_until <= start - LAG
    assert cursor(engine, US).trusted_until.timestamp() < fresh["timestamp"]
    later = by_domain(poll_all(engine, settings, now=start + LAG + timedelta(minutes=1)))[US]
    assert later.new == 1
    assert set(stored(engine)) == {old["id"], fresh["id"]}


def test_a_page_holding_events_past_the_horizon_stores_the_trusted_ones(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    start = now()
    fakes.us.answer_past_event_end(3600)  # `end` is not honoured: fresh events come back with old ones
    old = [event_item(start - LAG - timedelta(minutes=m)) for m in (50, 20)]
    fresh = event_item(start - timedelta(minutes=5))
    fakes.us.add_events(US, [*old, fresh])

    first = by_domain(poll_all(engine, settings, now=start))[US]

    assert set(stored(engine)) == {item["id"] for item in old}
    assert (first.outcome, first.pages, first.seen, first.new) == ("waiting", 1, 2, 2)
    assert cursor(engine, US).trusted_until.timestamp() == pytest.approx(old[1]["timestamp"], abs=1e-3)
    later = by_domain(poll_all(engine, settings, now=start + LAG))[US]
    assert later.new == 1
    assert set(stored(engine)) == {fresh["id"], *(item["id"] for item in old)}
    fakes.check()


def test_the_cursor_resumes_after_a_restart(db_url: str, fakes: Fakes, tmp_path: Path) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    start = now()
    fakes.us.add_events(US, items_from(start - timedelta(hours=5), 3))
    first_engine = make_engine(db_url)
    poll_all(first_engine, settings, now=start)
    saved = cursor(first_engine, US).trusted_until
    first_engine.dispose()  # the process ends
    fakes.us.reset(state=False)
    fakes.us.add_events(US, [late := event_item(start - timedelta(minutes=20))])

    second_engine = make_engine(db_url)  # a new process
    try:
        report = by_domain(poll_all(second_engine, settings, now=start + timedelta(minutes=20)))[US]
    finally:
        second_engine.dispose()

    [query] = event_queries(fakes.us, US)
    assert int(query["begin"]) == int(saved.timestamp())  # from the cursor, not 24 hours back
    assert int(query["begin"]) > (start - timedelta(hours=24)).timestamp()
    assert (report.seen, report.new) == (1, 1)
    assert late["id"] in stored(second_engine)


def test_one_failing_domain_does_not_stop_the_others(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    hour_ago = now() - timedelta(hours=1)
    fakes.us.add_events(US, [event_item(hour_ago)])
    fakes.us.add_events(US2, [event_item(hour_ago)])
    fakes.eu.add_events(EU, [event_item(hour_ago)])
    fakes.us.fail_next(10, status=500, path_prefix=f"/v3/{US}/events")

    reports = by_domain(poll_all(engine, settings))

    assert reports[US].outcome == "failed"
    assert "500" in (reports[US].error or "")
    assert (reports[US2].outcome, reports[US2].new) == ("caught_up", 1)
    assert (reports[EU].outcome, reports[EU].new) == ("caught_up", 1)
    failed = cursor(engine, US)
    assert (failed.last_outcome, failed.lease_until, failed.last_success_at) == ("failed", None, None)
    assert "500" in failed.last_error
    assert cursor(engine, US2).last_outcome == "caught_up"


def test_a_429_is_waited_out(engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    fakes.us.add_events(US, [event_item(now() - timedelta(hours=1))])
    fakes.us.fail_next(1, status=429, retry_after=0, path_prefix=f"/v3/{US}/events")

    report = by_domain(poll_all(engine, settings))[US]

    assert (report.outcome, report.new) == ("caught_up", 1)
    assert [c.status for c in fakes.us.calls_to("GET", f"/v3/{US}/events")][:2] == [429, 200]


def test_each_region_is_polled_on_its_own_host(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    fakes.eu.add_events(EU, [eu_item := event_item(now() - timedelta(hours=1))])

    poll_all(engine, settings)

    assert stored(engine)[eu_item["id"]] == ("events_api", "eu")
    assert fakes.us.calls_to(path_prefix=f"/v3/{EU}") == []
    assert {c.path.split("/")[2] for c in fakes.eu.calls} == {EU}


def test_pages_are_followed_to_the_end(engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    fakes.us.add_events(US, items_from(now() - timedelta(hours=20), 650, step=timedelta(seconds=90)))

    report = by_domain(poll_all(engine, settings))[US]

    assert (report.pages, report.seen, report.new) == (3, 650, 650)
    assert len(fakes.us.calls_to("GET", f"/v3/{US}/events")) == 4  # three pages and the empty one
    assert cursor(engine, US).events_new == 650


def test_an_item_that_cannot_be_normalized_is_a_dead_letter_once(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    broken = {"id": "no-event-name", "timestamp": (now() - timedelta(hours=1)).timestamp()}
    fakes.us.add_events(US, [broken])

    first = by_domain(poll_all(engine, settings))[US]
    with engine.begin() as connection:  # a fresh start: the same window is read again
        connection.execute(delete(PollCursor))
    second = by_domain(poll_all(engine, settings))[US]

    assert (first.seen, first.dead) == (1, 1)
    assert (second.seen, second.dead) == (1, 0)
    with engine.connect() as connection:
        rows = connection.execute(
            select(InboxRow.kind, InboxRow.status, InboxRow.token, InboxRow.domain_hint)
        ).all()
    assert len(rows) == 1
    kind, status, token, domain = rows[0]
    assert (kind, status, domain) == ("events_api", "dead", US)
    assert token.startswith("events-api:")


def test_a_domain_being_polled_is_not_polled_twice(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    assert claim_cursor(engine, "us", US, now(), timedelta(minutes=5)) is not None

    report = by_domain(poll_all(engine, settings))[US]

    assert report.outcome == "busy"
    assert fakes.us.calls_to(path_prefix=f"/v3/{US}/") == []


def test_no_api_key_polls_nothing(engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path, api_key=None)
    assert poll_all(engine, settings) == []
    assert fakes.us.calls == []
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(InboxRow)) == 0
