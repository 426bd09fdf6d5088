"""The backlog gauges report every expected series from the first scrape: a gauge an alert watches is never
absent because nothing has happened to it yet."""

from __future__ import annotations

from app.core.backlog import OPEN_SYNC_STATES, ExpectedSeries, backlog_gauges
from app.core.db import make_engine
from app.core.models.inbox_vocab import InboxKind
from app.core.settings import load_settings


def rows_of(readings: list, name: str) -> dict[tuple[str, ...], float]:  # type: ignore[type-arg]
    for reading_name, _, _, rows in readings:
        if reading_name == name:
            return {tuple(values): value for values, value in rows}
    raise AssertionError(f"no gauge {name}")


def test_an_empty_database_reports_every_kind_region_state_and_domain(sqlite_url: str) -> None:
    settings = load_settings(
        {
            "MAILGUN_DOMAINS": "example.com:us,mg.example.com:us,example.eu:eu",
            "MAILHOOK_POLL_LOOKBACK_HOURS": "6",
        }
    )
    engine = make_engine(sqlite_url)
    try:
        readings = backlog_gauges(ExpectedSeries.from_settings(settings), engine)
    finally:
        engine.dispose()
    assert rows_of(readings, "mailhook_dead_letters_waiting") == {(kind,): 0.0 for kind in InboxKind}
    assert rows_of(readings, "mailhook_sync_actions") == {
        (region, state): 0.0 for region in ("eu", "us") for state in OPEN_SYNC_STATES
    }
    # Never polled: as far behind as the first poll will reach back.
    assert rows_of(readings, "mailhook_poller_lag_seconds") == {
        ("eu", "example.eu"): 6 * 3600.0,
        ("us", "example.com"): 6 * 3600.0,
        ("us", "mg.example.com"): 6 * 3600.0,
    }


def test_without_expectations_only_what_the_database_holds_is_reported(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        readings = backlog_gauges(ExpectedSeries(kinds=()), engine)
    finally:
        engine.dispose()
    assert rows_of(readings, "mailhook_dead_letters_waiting") == {}
    assert rows_of(readings, "mailhook_poller_lag_seconds") == {}
