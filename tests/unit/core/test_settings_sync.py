"""Sync settings: every rule on by default, every variable read, every wrong value named in one line."""

from __future__ import annotations

import pytest

from app.core.settings import SettingsError, SyncSettings, load_settings


def test_every_rule_is_on_by_default() -> None:
    sync = load_settings({}).sync
    assert sync == SyncSettings()
    assert (sync.bounces, sync.complaints, sync.unsubscribes, sync.lists) == (True, True, True, True)
    assert sync.list_refresh_seconds == 900
    assert (sync.api_timeout, sync.api_retries, sync.max_attempts) == (10.0, 3, 10)


def test_every_variable_is_read() -> None:
    sync = load_settings(
        {
            "MAILHOOK_SYNC_BOUNCES": "false",
            "MAILHOOK_SYNC_COMPLAINTS": " No ",
            "MAILHOOK_SYNC_UNSUBSCRIBES": "0",
            "MAILHOOK_SYNC_LISTS": "off",
            "MAILHOOK_SYNC_INTERVAL_SECONDS": "2.5",
            "MAILHOOK_LIST_REFRESH_SECONDS": "60",
            "MAILGUN_API_TIMEOUT_SECONDS": "3",
            "MAILGUN_API_RETRIES": "0",
            "MAILGUN_API_BACKOFF_SECONDS": "0.25",
            "MAILGUN_API_MAX_WAIT_SECONDS": "30",
            "MAILHOOK_SYNC_RETRY_SECONDS": "15",
            "MAILHOOK_SYNC_MAX_ATTEMPTS": "4",
        }
    ).sync
    assert (sync.bounces, sync.complaints, sync.unsubscribes, sync.lists) == (False, False, False, False)
    assert sync.push_interval == 2.5
    assert sync.list_refresh_seconds == 60
    assert (sync.api_timeout, sync.api_retries, sync.api_backoff, sync.api_max_wait) == (3.0, 0, 0.25, 30.0)
    assert (sync.retry_seconds, sync.max_attempts) == (15.0, 4)


@pytest.mark.parametrize("word", ["1", "true", "YES", "on"])
def test_true_words_turn_a_rule_on(word: str) -> None:
    assert load_settings({"MAILHOOK_SYNC_LISTS": word}).sync.lists is True


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"MAILHOOK_SYNC_BOUNCES": "maybe"}, "MAILHOOK_SYNC_BOUNCES"),
        ({"MAILHOOK_SYNC_LISTS": "2"}, "MAILHOOK_SYNC_LISTS"),
        ({"MAILHOOK_LIST_REFRESH_SECONDS": "0"}, "MAILHOOK_LIST_REFRESH_SECONDS"),
        ({"MAILHOOK_LIST_REFRESH_SECONDS": "1.5"}, "MAILHOOK_LIST_REFRESH_SECONDS"),
        ({"MAILGUN_API_TIMEOUT_SECONDS": "-1"}, "MAILGUN_API_TIMEOUT_SECONDS"),
        ({"MAILGUN_API_TIMEOUT_SECONDS": "nan"}, "MAILGUN_API_TIMEOUT_SECONDS"),
        ({"MAILGUN_API_BACKOFF_SECONDS": "fast"}, "MAILGUN_API_BACKOFF_SECONDS"),
        ({"MAILGUN_API_RETRIES": "-1"}, "MAILGUN_API_RETRIES"),
        ({"MAILHOOK_SYNC_RETRY_SECONDS": "inf"}, "MAILHOOK_SYNC_RETRY_SECONDS"),
        ({"MAILHOOK_SYNC_MAX_ATTEMPTS": "0"}, "MAILHOOK_SYNC_MAX_ATTEMPTS"),
        ({"MAILHOOK_SYNC_INTERVAL_SECONDS": "0"}, "MAILHOOK_SYNC_INTERVAL_SECONDS"),
    ],
)
def test_a_wrong_value_is_named_in_one_line(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ)
    message = str(caught.value)
    assert message.startswith(named)
    assert "\n" not in message
