"""Domain health: the rates per configured domain and region over 24 h and 7 d, red past the configured
limits on the page, and the same numbers as gauges in a /metrics scrape."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import Engine, insert

from app.core.domain_health import read_domain_health
from app.core.models.events import Event
from app.core.settings import load_settings
from app.core.stores import stores
from tests.integration.conftest import BEARER, add_event, event_row


def seed(engine: Engine) -> None:
    now, rows = datetime.now(UTC), []
    recent, older, too_old = now - timedelta(hours=1), now - timedelta(days=3), now - timedelta(days=8)
    for when, kind, n in (
        (recent, "delivered", 90),
        (recent, "bounced", 10),
        (recent, "complained", 1),
        (older, "delivered", 100),
        (older, "deferred", 50),
        (too_old, "bounced", 500),
    ):
        rows += [event_row(domain="example.com", region="us", type=kind, occurred_at=when) for _ in range(n)]
    with engine.begin() as connection:
        connection.execute(insert(Event), rows)
    add_event(engine, domain="unconfigured.example", region="us", type="bounced", occurred_at=recent)


def test_rates_per_window_count_only_hard_bounces_and_the_configured_domains(
    app: Flask, engine: Engine
) -> None:
    seed(engine)
    settings = app.extensions["mailhook"].settings
    found = read_domain_health([(stores(settings)[0], engine)], settings, datetime.now(UTC))
    assert [(h.domain, h.region) for h in found] == [("example.com", "us"), ("example.eu", "eu")]
    day, week = found[0].windows["24h"], found[0].windows["7d"]
    assert (day.delivered, day.bounced, day.complained) == (90, 10, 1)
    assert (week.delivered, week.bounced) == (190, 10)  # deferred is no bounce; 8 days ago is out
    assert day.bounce_rate == 0.1 and abs(day.complaint_rate - 1 / 90) < 1e-12
    assert found[1].windows["7d"].bounce_rate == 0.0  # nothing sent: no rate, not a division by zero


def test_the_page_turns_red_past_the_limits(app: Flask, engine: Engine) -> None:
    seed(engine)
    page = app.test_client().get("/dashboard/domains", headers=BEARER).get_data(as_text=True)
    row = page[page.index('id="domain-us-example.com"') :].split("</tr>")[0]
    assert '<td class="bounce-rate bad" title="10 hard bounces">10.00%</td>' in row
    assert '<td class="complaint-rate bad" title="1 complaints">1.11%</td>' in row
    # 7 d: 10 / (190 + 10) is exactly the 5% limit, and only past it is red.
    week_bounce = re.findall(r'class="bounce-rate (\w+)"[^>]*>([\d.]+%)', row)
    assert week_bounce == [("bad", "10.00%"), ("ok", "5.00%")]


def test_higher_limits_from_the_settings_keep_it_green(db_url: str, settings_for, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    from app.web.factory import create_app

    seed(engine)
    app = create_app(settings_for(db_url, bounce_rate_limit=0.2, complaint_rate_limit=0.02))
    page = app.test_client().get("/dashboard/domains", headers=BEARER).get_data(as_text=True)
    assert 'class="bounce-rate bad"' not in page and 'class="complaint-rate bad"' not in page
    assert "red past 20.00%" in page


def test_the_same_rates_are_gauges_in_a_scrape(app: Flask, engine: Engine) -> None:
    seed(engine)
    body = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'mailhook_domain_bounce_rate{domain="example.com",region="us",window="24h"} 0.1' in body
    assert 'mailhook_domain_bounce_rate{domain="example.eu",region="eu",window="7d"} 0.0' in body
    assert (
        'mailhook_domain_events{domain="example.com",region="us",type="delivered",window="7d"} 190.0' in body
    )
    assert "mailhook_domain_bounce_rate_limit 0.05" in body
    assert "mailhook_domain_complaint_rate_limit 0.001" in body


def test_the_limits_are_percentages_in_the_environment() -> None:
    import pytest

    from app.core.settings import SettingsError

    settings = load_settings(
        {"MAILHOOK_BOUNCE_RATE_LIMIT_PERCENT": "2.5", "MAILHOOK_COMPLAINT_RATE_LIMIT_PERCENT": "0.08"}
    )
    assert (settings.bounce_rate_limit, settings.complaint_rate_limit) == (0.025, 0.0008)
    assert load_settings({}).bounce_rate_limit == 0.05 and load_settings({}).complaint_rate_limit == 0.001
    for bad in ("0", "101", "five", "-1"):
        with pytest.raises(SettingsError, match="MAILHOOK_BOUNCE_RATE_LIMIT_PERCENT"):
            load_settings({"MAILHOOK_BOUNCE_RATE_LIMIT_PERCENT": bad})


def test_a_reading_is_kept_for_half_a_minute_then_counted_again(app: Flask, engine: Engine) -> None:
    seed(engine)
    client = app.test_client()
    first = client.get("/metrics").get_data(as_text=True)
    assert (
        'mailhook_domain_events{domain="example.com",region="us",type="bounced",window="24h"} 10.0' in first
    )
    add_event(engine, domain="example.com", region="us", type="bounced", occurred_at=datetime.now(UTC))
    page = client.get("/dashboard/domains", headers=BEARER).get_data(as_text=True)
    assert 'title="10 hard bounces"' in page  # the same reading, not counted again
    cache = app.extensions["mailhook"].domain_health
    cache.reading.expire()  # half a minute later
    again = client.get("/metrics").get_data(as_text=True)
    assert (
        'mailhook_domain_events{domain="example.com",region="us",type="bounced",window="24h"} 11.0' in again
    )
