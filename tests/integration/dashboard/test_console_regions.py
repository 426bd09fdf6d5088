"""DATABASE_URL_EU: the console reads each region's rows from the database that keeps them. Two real
Postgres databases whose row ids collide on purpose; the pages tell the rows apart by their database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, select

from app.core.db import make_engine
from app.core.models.sync import SyncAction
from app.core.settings import Settings
from app.web.factory import create_app
from tests.conftest import truncate_all
from tests.integration.conftest import BASE_TIME, BEARER, add_event
from tests.integration.dashboard.console_support import signed_in
from tests.integration.sync_support import add_sync_rows
from tests.support_forms import csrf_field

pytestmark = pytest.mark.postgres
ADDRESS = "traveller@example.org"


@pytest.fixture
def settings(pg_url: str, eu_url: str, pg_engine: Engine, settings_for: Any) -> Iterator[Settings]:
    yield replace(settings_for(pg_url), database_url_eu=eu_url)
    truncate_all(pg_engine)


@pytest.fixture
def dbs(settings: Settings) -> Iterator[tuple[Engine, Engine]]:
    assert settings.database_url_eu is not None
    us, eu = make_engine(settings.database_url), make_engine(settings.database_url_eu)
    yield us, eu
    us.dispose()
    eu.dispose()


@pytest.fixture
def split_app(settings: Settings) -> Flask:
    return create_app(settings)


def test_the_recipient_page_merges_both_databases_in_time_order(
    split_app: Flask, dbs: tuple[Engine, Engine]
) -> None:
    us, eu = dbs
    shown = []
    for n in range(60):  # the same ids in both databases, alternating in time, a tie at every other step
        engine, region = (us, "us") if n % 2 else (eu, "eu")
        row_id = add_event(
            engine,
            recipient=ADDRESS,
            region=region,
            domain=f"example.{'com' if region == 'us' else 'eu'}",
            occurred_at=BASE_TIME + timedelta(seconds=n // 2),
        )
        shown.append((BASE_TIME + timedelta(seconds=n // 2), "primary" if region == "us" else "eu", row_id))
    client = split_app.test_client()
    seen, path = [], f"/dashboard/recipients/{ADDRESS}"
    import re
    from html import unescape

    while path:
        page = client.get(path, headers=BEARER).get_data(as_text=True)
        seen += re.findall(r'<tr id="event-([a-z]+-\d+)"', page)
        older = re.search(r'<a id="older" href="([^"]+)"', page)
        path = unescape(older[1]) if older else ""
    rank = {"primary": 0, "eu": 1}
    expected = sorted(shown, key=lambda r: (r[0], -rank[r[1]], r[2]), reverse=True)
    assert seen == [f"{store}-{row_id}" for _, store, row_id in expected]
    assert len(set(seen)) == 60


def test_domain_health_counts_each_domain_in_its_regions_database(
    split_app: Flask, dbs: tuple[Engine, Engine]
) -> None:
    us, eu = dbs
    now = datetime.now(UTC) - timedelta(minutes=5)
    add_event(eu, domain="example.eu", region="eu", type="bounced", occurred_at=now)
    add_event(eu, domain="example.eu", region="eu", type="delivered", occurred_at=now)
    add_event(us, domain="example.eu", region="eu", type="bounced", occurred_at=now)  # not where EU rows live
    body = split_app.test_client().get("/metrics").get_data(as_text=True)
    assert 'mailhook_domain_bounce_rate{domain="example.eu",region="eu",window="24h"} 0.5' in body


def test_a_removal_in_the_eu_goes_to_the_eu_database(split_app: Flask, dbs: tuple[Engine, Engine]) -> None:
    us, eu = dbs
    add_sync_rows(eu, ADDRESS, status="done", region="eu", domain="news.example.eu")
    client = signed_in(split_app)
    page = client.get(f"/dashboard/recipients/{ADDRESS}").get_data(as_text=True)
    assert "Remove on news.example.eu" in page
    form = {
        "csrf_token": csrf_field(page),
        "address": ADDRESS,
        "region": "eu",
        "domain": "news.example.eu",
        "kind": "bounce",
    }
    assert client.post("/dashboard/suppressions/remove", data=form).status_code == 302
    with eu.connect() as connection:
        kinds = connection.execute(select(SyncAction.kind).where(SyncAction.region == "eu")).scalars().all()
    with us.connect() as connection:
        assert connection.execute(select(SyncAction.id)).first() is None
    assert sorted(kinds) == ["bounce", "bounce_delete"]
