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


def test_subaccount_domains_are_read_and_must_be_configured_domains() -> None:
    environ = {"MAILGUN_DOMAINS": "mg.example.com:us,MG.Client.example:eu",
               "MAILGUN_SUBACCOUNTS": " mg.client.example:5f1d2e3c4b5a69788796a5b4 "}  # fmt: skip
    assert load_settings(environ).subaccounts == {"mg.client.example": "5f1d2e3c4b5a69788796a5b4"}
    assert load_settings({}).subaccounts == {}
    with pytest.raises(SettingsError, match="not in MAILGUN_DOMAINS"):
        load_settings({**environ, "MAILGUN_SUBACCOUNTS": "other.example:abc"})
    for bad in (
        "mg.client.example",
        "mg.client.example:",
        "mg.client.example:a b",
        "mg.client.example:x\r\nX",
    ):
        with pytest.raises(SettingsError, match=r"must look like mg\.client\.com:<subaccount id>"):
            load_settings({**environ, "MAILGUN_SUBACCOUNTS": bad})
    with pytest.raises(SettingsError):  # a header smuggled in is refused, as a domain or as an id
        load_settings({**environ, "MAILGUN_SUBACCOUNTS": "mg.client.example:x\r\nX: 1"})


def test_subaccount_discovery_is_off_unless_asked_for() -> None:
    assert load_settings({}).discover_subaccounts is False
    assert load_settings({"MAILGUN_DISCOVER_SUBACCOUNTS": "true"}).discover_subaccounts is True
    with pytest.raises(SettingsError, match="MAILGUN_DISCOVER_SUBACCOUNTS must be true or false"):
        load_settings({"MAILGUN_DISCOVER_SUBACCOUNTS": "sometimes"})
