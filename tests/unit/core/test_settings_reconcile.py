"""Poller settings: defaults, every variable read, every wrong value named in one line."""

from __future__ import annotations

import pytest

from app.core.settings import PollSettings, SettingsError, load_settings


def test_defaults() -> None:
    poll = load_settings({}).poll
    assert poll == PollSettings()
    assert (poll.interval, poll.trust_lag_seconds, poll.lookback_hours, poll.source) == (
        300.0,
        1800,
        24,
        "logs",
    )


def test_every_variable_is_read() -> None:
    poll = load_settings(
        {
            "MAILHOOK_POLL_INTERVAL_SECONDS": "60",
            "MAILHOOK_POLL_TRUST_LAG_SECONDS": " 900 ",
            "MAILHOOK_POLL_LOOKBACK_HOURS": "72",
            "MAILHOOK_POLL_SOURCE": " Events ",
        }
    ).poll
    assert (poll.interval, poll.trust_lag_seconds, poll.lookback_hours, poll.source) == (
        60.0,
        900,
        72,
        "events",
    )


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"MAILHOOK_POLL_INTERVAL_SECONDS": "0"}, "MAILHOOK_POLL_INTERVAL_SECONDS must be a positive number"),
        ({"MAILHOOK_POLL_INTERVAL_SECONDS": "often"}, "MAILHOOK_POLL_INTERVAL_SECONDS must be a number"),
        ({"MAILHOOK_POLL_TRUST_LAG_SECONDS": "0"}, "MAILHOOK_POLL_TRUST_LAG_SECONDS must be at least 1"),
        (
            {"MAILHOOK_POLL_TRUST_LAG_SECONDS": "1.5"},
            "MAILHOOK_POLL_TRUST_LAG_SECONDS must be a whole number",
        ),
        ({"MAILHOOK_POLL_LOOKBACK_HOURS": "0"}, "MAILHOOK_POLL_LOOKBACK_HOURS must be at least 1"),
        ({"MAILHOOK_POLL_LOOKBACK_HOURS": "721"}, "MAILHOOK_POLL_LOOKBACK_HOURS must be at most 720"),
        ({"MAILHOOK_POLL_SOURCE": "logs_api"}, "MAILHOOK_POLL_SOURCE must be one of logs, events"),
    ],
)
def test_a_wrong_value_is_named_in_one_line(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)
