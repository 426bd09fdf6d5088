"""The counters move where things happen; the poller's lag and position reach /metrics and the dashboard."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Engine

from app.core.settings import Settings
from app.web.factory import create_app
from tests.integration.conftest import BEARER, add_inbox_row
from tests.integration.reconcile_support import (
    EU,
    KEY,
    US,
    US2,
    Fakes,
    deliver_webhook,
    event_item,
    now,
    settings_for_fakes,
)
from tests.integration.web.test_observability import metric_value
from workers.events.drain import drain_batch
from workers.mailgun.client import MailgunClient, Pacing, Unavailable
from workers.poll.reconcile import poll_all


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def settings_with_token(db_url: str, fakes: Fakes, tmp_path: Path) -> Settings:
    return settings_for_fakes(db_url, fakes, tmp_path, api_tokens=("test-api-token",))


def test_events_stored_counts_new_events_only(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    labels = {"type": "delivered", "region": "us", "source": "webhook"}
    before = sample("mailhook_events_stored_total", **labels)
    item = event_item(now() - timedelta(minutes=5), "delivered")

    assert deliver_webhook(engine, settings, item) == 1
    assert sample("mailhook_events_stored_total", **labels) == before + 1
    assert deliver_webhook(engine, settings, item) == 0  # a Mailgun retry: not stored, not counted
    assert sample("mailhook_events_stored_total", **labels) == before + 1


def test_events_found_by_the_poller_count_as_logs_api(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    fakes.us.add_events(US, [event_item(now() - timedelta(hours=2), "opened")])
    labels = {"type": "opened", "region": "us", "source": "logs_api"}
    before = sample("mailhook_events_stored_total", **labels)

    poll_all(engine, settings)

    assert sample("mailhook_events_stored_total", **labels) == before + 1


def test_dead_letters_count_by_kind_when_the_drain_refuses_a_row(engine: Engine, db_url: str) -> None:
    from tests.conftest import TEST_KEY

    settings = Settings(database_url=db_url, signing_keys=(TEST_KEY,), env="test")
    before = sample("mailhook_dead_letters_total", kind="webhook")
    add_inbox_row(engine, status="pending", error=None, body=b"not json at all")

    assert drain_batch(engine, settings).dead == 1
    assert sample("mailhook_dead_letters_total", kind="webhook") == before + 1


def test_mailgun_calls_count_every_answer_by_region_and_status(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    ok_us, ok_eu = (
        sample("mailhook_mailgun_api_calls_total", region="us", status="200"),
        sample("mailhook_mailgun_api_calls_total", region="eu", status="200"),
    )
    failed = sample("mailhook_mailgun_api_calls_total", region="eu", status="503")
    fakes.eu.fail_next(1, status=503)

    poll_all(engine, settings)

    assert sample("mailhook_mailgun_api_calls_total", region="us", status="200") >= ok_us + 2  # two domains
    assert sample("mailhook_mailgun_api_calls_total", region="eu", status="503") == failed + 1
    assert sample("mailhook_mailgun_api_calls_total", region="eu", status="200") >= ok_eu + 1  # the retry


def test_mailgun_calls_count_a_call_that_got_no_answer() -> None:
    before = sample("mailhook_mailgun_api_calls_total", region="us", status="error")
    # Port 1 on the loopback: refused at once, no answer at all.
    client = MailgunClient("us", "http://127.0.0.1:1", "key", [US], Pacing(retries=0), sleep=lambda _: None)
    with client, pytest.raises(Unavailable):
        client.probe_domain("us", US)
    assert sample("mailhook_mailgun_api_calls_total", region="us", status="error") == before + 1


def test_mailgun_calls_count_a_call_that_timed_out(fakes: Fakes) -> None:
    before = sample("mailhook_mailgun_api_calls_total", region="us", status="timeout")
    fakes.us.hang_next(1, 2.0)
    client = MailgunClient(
        "us", fakes.us.url, KEY, [US], Pacing(timeout=0.2, retries=0), sleep=lambda _: None
    )
    with client, pytest.raises(Unavailable):
        client.probe_domain("us", US)
    assert sample("mailhook_mailgun_api_calls_total", region="us", status="timeout") == before + 1


def test_the_lag_gauge_is_there_per_domain_before_and_after_a_poll(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_with_token(db_url, fakes, tmp_path)
    client = create_app(settings).test_client()
    before = client.get("/metrics").get_data(as_text=True)
    for region, domain in (("us", US), ("us", US2), ("eu", EU)):
        # Present from the first scrape, as far behind as the first poll will reach back.
        lag = metric_value(before, "mailhook_poller_lag_seconds", domain=domain, region=region)
        assert lag == settings.poll.lookback_hours * 3600
    fakes.us.add_events(US, [event_item(now() - timedelta(hours=1))])

    poll_all(engine, settings)

    text = client.get("/metrics").get_data(as_text=True)
    trust_lag = settings.poll.trust_lag_seconds
    for region, domain in (("us", US), ("us", US2), ("eu", EU)):
        assert f'mailhook_poller_lag_seconds{{domain="{domain}",region="{region}"}}' in text
        lag = metric_value(text, "mailhook_poller_lag_seconds", domain=domain, region=region)
        # Caught up to the trust lag (never nearer than it, and well within the lookback).
        assert trust_lag - 5 <= lag <= trust_lag + 300


def test_the_dashboard_shows_a_polled_domains_position(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_with_token(db_url, fakes, tmp_path)
    client = create_app(settings).test_client()
    page = client.get("/dashboard", headers=BEARER).get_data(as_text=True)
    assert "never polled" in page
    fakes.us.add_events(US, [event_item(now() - timedelta(hours=1))])

    reports = {report.domain: report for report in poll_all(engine, settings)}

    page = client.get("/dashboard", headers=BEARER).get_data(as_text=True)
    position = reports[US].trusted_until
    assert position is not None
    assert position.strftime("%Y-%m-%d %H:%M:%S UTC") in page
    assert "caught_up" in page
    assert "never polled" not in page
