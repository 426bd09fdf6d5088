"""Which URLs a subscription may name, and when a failing batch is tried again or the subscription paused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core.settings import SettingsError, load_settings
from app.core.subscription_urls import RefusedUrl, checked_url
from workers.push.backoff import pauses, retry_delay

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/in",
        "https://localhost/x",
        "http://10.0.0.5/hook",
        "https://[::1]:9/x?token=abc",
    ],
)
def test_loopback_and_private_addresses_are_allowed(url: str) -> None:
    assert checked_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "file:///etc/passwd",
        "gopher://example.com",
        "https://user:secret@example.com/",
        "https://user@example.com/",
        "https://:pw@example.com/",
        "http://",
        "https://example.com:99999/",
        "https://example.com/#frag",
        "https://exa mple.com/",
        "https://example.com/\u00e9",
        "",
        None,
        42,
    ],
)
def test_other_schemes_userinfo_and_malformed_urls_are_refused(url: object) -> None:
    with pytest.raises(RefusedUrl):
        checked_url(url)


def test_the_allow_list_narrows_to_exact_names_and_subdomains() -> None:
    allowed = ("hooks.internal", ".svc.cluster.local", "[::1]")
    assert checked_url("https://hooks.internal/x", allowed)
    assert checked_url("https://HOOKS.internal./x", allowed)
    assert checked_url("http://crm.ns.svc.cluster.local/x", allowed)
    assert checked_url("http://[::1]:8000/x", allowed)
    for refused in ("https://evil.internal/x", "http://127.0.0.1/x", "https://svc.cluster.local.evil.com/"):
        with pytest.raises(RefusedUrl):
            checked_url(refused, allowed)


def test_the_allow_list_setting_is_read_lower_case() -> None:
    settings = load_settings({"MAILHOOK_SUBSCRIPTION_ALLOWED_HOSTS": "Hooks.Internal, .svc.local"})
    assert settings.push.allowed_hosts == ("hooks.internal", ".svc.local")
    assert load_settings({}).push.pause_after == 24 * 3600
    with pytest.raises(SettingsError, match="MAILHOOK_PUSH_PAUSE_AFTER_SECONDS"):
        load_settings({"MAILHOOK_PUSH_PAUSE_AFTER_SECONDS": "soon"})


def test_the_first_retry_comes_within_the_base_and_later_ones_double_up_to_the_cap() -> None:
    assert 1.0 <= retry_delay(1, 2.0, 600, lambda: 0.0) <= retry_delay(1, 2.0, 600, lambda: 1.0) == 2.0
    assert [retry_delay(n, 2.0, 600, lambda: 1.0) for n in range(1, 6)] == [2, 4, 8, 16, 32]
    assert retry_delay(40, 2.0, 600, lambda: 1.0) == 600
    assert retry_delay(10_000, 2.0, 600, lambda: 0.5) == 450


def test_paused_once_failing_for_the_whole_allowed_time() -> None:
    day = 24 * 3600.0
    assert not pauses(None, NOW, day)
    assert not pauses(NOW - timedelta(hours=23), NOW, day)
    assert pauses(NOW - timedelta(hours=24), NOW, day)
