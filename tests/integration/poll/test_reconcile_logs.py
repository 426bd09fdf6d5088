"""The poller on the Logs API (the default source) against fake Mailgun servers, on Postgres and SQLite: every
rule of the Events API poll (test_reconcile.py), the fallback to the Events API when the Logs API is refused,
and one row per event whichever way it arrived first.

The fake serves one event log through both APIs; its Logs API treats `start` and `end` as exclusive and
writes `@timestamp` with milliseconds, truncated, while webhooks carry the time to the microsecond.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select

from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from app.core.models.polling import PollCursor
from app.core.settings import PollSettings
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
    log_queries,
    now,
    settings_for_fakes,
    stored,
)
from workers.mailgun.client import MailgunClient
from workers.mailgun.logs import LOGS_PATH
from workers.poll.polling import backfill_window
from workers.poll.reconcile import POLL_BUDGET_SECONDS, PollReport, Reader, backfill_domain, poll_all
from workers.poll.store import claim_cursor


def by_domain(reports: list[PollReport]) -> dict[str, PollReport]:
    return {report.domain: report for report in reports}


def test_the_logs_api_is_the_default_and_closes_a_gap(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    items = items_from(now() - timedelta(hours=3), 8)
    fakes.us.add_events(US, items)
    for item in items[:3]:  # these three reached us by webhook; the other five were missed
        assert deliver_webhook(engine, settings, item) == 1

    report = by_domain(poll_all(engine, settings))[US]

    assert (report.outcome, report.seen, report.new, report.dead) == ("caught_up", 8, 5, 0)
    sources = stored(engine)
    assert {sources[i["id"]][0] for i in items[:3]} == {"webhook"}
    assert {sources[i["id"]][0] for i in items[3:]} == {"logs_api"}
    assert len(sources) == 8
    assert event_queries(fakes.us, US) == []
    [query] = log_queries(fakes.us, US)
    assert query["pagination"] == {"sort": "timestamp:asc", "limit": 100}
    assert query["filter"] == {"AND": [{"attribute": "domain", "comparator": "=",
                                        "values": [{"label": US, "value": US}]}]}  # fmt: skip
    start, end = (parsedate_to_datetime(query[k]) for k in ("start", "end"))
    assert end.timestamp() == pytest.approx((now() - LAG).timestamp(), abs=30)
    assert end - start == timedelta(hours=24, seconds=1) - LAG  # the lookback, the boundary second again
    fakes.check()


@pytest.mark.parametrize("webhook_first", [True, False], ids=["webhook-first", "logs-first"])
def test_the_same_event_is_stored_once_whatever_came_first(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path, webhook_first: bool
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    second = int((now() - timedelta(hours=2)).timestamp())
    items = [event_item(now(), sample) for sample in ("delivered", "opened", "failed-temporary")]
    for item, fraction in zip(items, ("908181", "001999", "500000"), strict=True):
        item["timestamp"] = float(f"{second}.{fraction}")  # to the microsecond, as webhooks carry it
    fakes.us.add_events(US, items)

    if webhook_first:
        assert [deliver_webhook(engine, settings, item) for item in items] == [1, 1, 1]
        assert by_domain(poll_all(engine, settings))[US].new == 0
    else:
        assert by_domain(poll_all(engine, settings))[US].new == 3
        assert [deliver_webhook(engine, settings, item) for item in items] == [0, 0, 0]

    with engine.connect() as connection:
        rows = connection.execute(select(Event.mailgun_event_id, Event.source, Event.occurred_at)).all()
    assert sorted(row.mailgun_event_id for row in rows) == sorted(item["id"] for item in items)
    assert {row.source for row in rows} == {"webhook" if webhook_first else "logs_api"}
    for row in rows:  # the stored time is the event's, to the millisecond, from either source
        item = next(i for i in items if i["id"] == row.mailgun_event_id)
        assert row.occurred_at.timestamp() == pytest.approx(item["timestamp"], abs=0.001)
        assert row.occurred_at.microsecond % 1000 == 0


def test_the_trust_lag_is_respected(engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    start = now()
    old, fresh = event_item(start - timedelta(hours=2)), event_item(start - timedelta(minutes=5))
    fakes.us.add_events(US, [old, fresh])

    first = by_domain(poll_all(engine, settings, now=start))[US]

    assert set(stored(engine)) == {old["id"]}
    assert first.trusted_until is not None and first.trusted_until <= start - LAG
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
    fakes.check()


def test_the_cursor_moves_with_each_page_and_the_next_poll_starts_there(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    start = now()
    fakes.us.add_events(US, items_from(start - timedelta(hours=20), 250, step=timedelta(seconds=90)))

    report = by_domain(poll_all(engine, settings, now=start))[US]

    assert (report.outcome, report.pages, report.seen, report.new) == ("caught_up", 3, 250, 250)
    queries = log_queries(fakes.us, US)
    assert [q["pagination"].get("token") is None for q in queries] == [True, False, False]
    assert len({(q["start"], q["end"]) for q in queries}) == 1  # each token is sent with the same query
    saved = cursor(engine, US)
    assert (saved.pages, saved.events_new, saved.last_outcome) == (3, 250, "caught_up")
    fakes.us.reset(state=False)
    fakes.us.add_events(US, [late := event_item(start - timedelta(minutes=20))])
    again = by_domain(poll_all(engine, settings, now=start + timedelta(minutes=20)))[US]
    [query] = log_queries(fakes.us, US)
    assert parsedate_to_datetime(query["start"]) == saved.trusted_until.replace(microsecond=0) - timedelta(
        seconds=1
    )
    assert (again.seen, again.new) == (1, 1)
    assert late["id"] in stored(engine)


def test_failures_429s_and_regions(engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    hour_ago = now() - timedelta(hours=1)
    for fake, domain in ((fakes.us, US), (fakes.us, US2), (fakes.eu, EU)):
        fake.add_events(domain, [event_item(hour_ago)])
    fakes.us.fail_next(1, status=429, retry_after=0, path_prefix=LOGS_PATH)  # waited out
    fakes.eu.fail_next(10, status=500, path_prefix=LOGS_PATH)  # still failing after the retries

    reports = by_domain(poll_all(engine, settings))

    assert (reports[US].outcome, reports[US].new) == ("caught_up", 1)
    assert (reports[US2].outcome, reports[US2].new) == ("caught_up", 1)
    assert reports[EU].outcome == "failed" and "500" in (reports[EU].error or "")
    assert [c.status for c in fakes.us.calls_to("POST", LOGS_PATH)][:2] == [429, 200]
    failed = cursor(engine, EU)
    assert (failed.last_outcome, failed.lease_until, failed.last_success_at) == ("failed", None, None)
    assert {source for source, region in stored(engine).values()} == {"logs_api"}
    assert {region for _, region in stored(engine).values()} == {"us"}
    assert all(US in str(q) or US2 in str(q) for q in (c.json for c in fakes.us.calls_to("POST", LOGS_PATH)))


def test_an_item_that_cannot_be_normalized_is_a_dead_letter_once(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    fakes.us.add_events(US, [{"id": "no-event-name", "timestamp": (now() - timedelta(hours=1)).timestamp()}])

    first = by_domain(poll_all(engine, settings))[US]
    with engine.begin() as connection:  # a fresh start: the same window is read again
        connection.execute(delete(PollCursor))
    second = by_domain(poll_all(engine, settings))[US]

    assert (first.seen, first.dead, second.seen, second.dead) == (1, 1, 1, 0)
    with engine.connect() as connection:
        [row] = connection.execute(
            select(InboxRow.kind, InboxRow.status, InboxRow.token, InboxRow.route)
        ).all()
    assert (row.kind, row.status, row.route) == ("logs_api", "dead", "logs_api")
    assert row.token.startswith("logs-api:")


def test_a_domain_being_polled_is_not_polled_twice(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    assert claim_cursor(engine, "us", US, now(), timedelta(minutes=5)) is not None

    assert by_domain(poll_all(engine, settings))[US].outcome == "busy"
    assert log_queries(fakes.us, US) == []


def test_a_backfill_reads_its_window_and_leaves_the_cursor(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    start = now()
    inside, outside = event_item(start - timedelta(hours=30)), event_item(start - timedelta(hours=50))
    fakes.eu.add_events(EU, [inside, outside])
    window, _ = backfill_window(start - timedelta(hours=36), None, start, LAG)
    assert window is not None
    with MailgunClient.for_region(settings, "eu") as client:
        reader = Reader(engine, settings, client, start, time.monotonic() + POLL_BUDGET_SECONDS, track=False)
        report = backfill_domain(reader, EU, window)

    assert (report.outcome, report.new) == ("caught_up", 1)
    assert set(stored(engine)) == {inside["id"]}
    assert cursor(engine, EU) is None


@pytest.mark.parametrize("status", [404, 403])
def test_a_refused_logs_api_falls_back_to_the_events_api_with_a_warning(
    engine: Engine,
    db_url: str,
    fakes: Fakes,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    items = items_from(now() - timedelta(hours=3), 4)
    fakes.us.add_events(US, items[:2])
    fakes.us.add_events(US2, items[2:])
    fakes.us.fail_next(100, status=status, path_prefix=LOGS_PATH)

    with caplog.at_level(logging.WARNING, logger="workers.poll.sources"):
        reports = by_domain(poll_all(engine, settings))

    assert [(reports[d].outcome, reports[d].new) for d in (US, US2)] == [("caught_up", 2), ("caught_up", 2)]
    assert {source for source, _ in stored(engine).values()} == {"events_api"}
    assert len(fakes.us.calls_to("POST", LOGS_PATH)) == 1  # once per region's run, not once per domain
    assert len(event_queries(fakes.us, US)) == 1 and len(event_queries(fakes.us, US2)) == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "Events API" in warnings[0] and str(status) in warnings[0]
    assert settings.api_key not in warnings[0]


def test_the_events_api_can_be_chosen(engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path, poll=PollSettings(source="events"))
    fakes.us.add_events(US, [item := event_item(now() - timedelta(hours=1))])

    by_domain(poll_all(engine, settings))

    assert stored(engine)[item["id"]] == ("events_api", "us")
    assert fakes.us.calls_to("POST", LOGS_PATH) == []
