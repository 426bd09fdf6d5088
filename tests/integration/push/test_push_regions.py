"""DATABASE_URL_EU: a subscription is kept in its region's database and follows that database's feed; the
hand-out and the push run in each database on their own."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select

from app.core.db import make_engine
from app.core.models.subscriptions import PushSubscription
from app.core.settings import Settings
from app.web.factory import create_app
from bench.receiver import receiving
from tests.conftest import truncate_all
from tests.integration.conftest import add_event
from tests.integration.push.push_support import BEARER, FAST, hand_out_and_push, make_due

pytestmark = pytest.mark.postgres


@pytest.fixture
def split(pg_url: str, eu_url: str, pg_engine: Engine, settings_for: Any) -> Iterator[tuple[Settings, Flask]]:
    settings = replace(settings_for(pg_url, push=FAST), database_url_eu=eu_url)
    app: Flask = create_app(settings)
    yield settings, app
    app.extensions["mailhook"].close()
    truncate_all(pg_engine)


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(PushSubscription)).scalar_one())


def test_an_eu_subscription_lives_and_pushes_in_the_eu_database(
    split: tuple[Settings, Flask], pg_engine: Engine, eu_url: str
) -> None:
    settings, app = split
    client = app.test_client()
    eu_db = make_engine(eu_url)
    try:
        refused = client.post("/api/v1/subscriptions", json={"url": "http://127.0.0.1:9/x"}, headers=BEARER)
        assert refused.status_code == 400 and "'region'" in refused.get_json()["error"]["message"]
        with receiving() as us_receiver, receiving() as eu_receiver:
            for region, receiver in (("us", us_receiver), ("eu", eu_receiver)):
                made = client.post(
                    "/api/v1/subscriptions", json={"url": receiver.url, "region": region}, headers=BEARER
                )
                assert made.status_code == 201
            assert (count(pg_engine), count(eu_db)) == (1, 1)
            assert client.get("/api/v1/subscriptions", headers=BEARER).status_code == 400
            [eu_listed] = client.get("/api/v1/subscriptions?region=eu", headers=BEARER).get_json()["items"]
            assert eu_listed["region"] == "eu"
            us_event, eu_event = add_event(pg_engine, region="us"), add_event(eu_db, region="eu")
            for _ in range(100):
                if us_receiver.items() and eu_receiver.items():
                    break
                make_due(pg_engine)
                make_due(eu_db)
                hand_out_and_push(pg_engine, settings, "primary")
                hand_out_and_push(eu_db, settings, "eu")
                time.sleep(0.05)
        assert [item["id"] for item in us_receiver.items()] == [us_event]
        assert [(item["id"], item["region"]) for item in eu_receiver.items()] == [(eu_event, "eu")]
        assert eu_receiver.requests[0].webhook_id.startswith("msg_eu_")
    finally:
        truncate_all(eu_db)
        eu_db.dispose()


def test_the_region_may_come_as_the_query_parameter_but_not_twice_differently(
    split: tuple[Settings, Flask], pg_engine: Engine, eu_url: str
) -> None:
    _, app = split
    client = app.test_client()
    eu_db = make_engine(eu_url)
    try:
        url = {"url": "http://127.0.0.1:9/x"}
        made = client.post("/api/v1/subscriptions?region=EU", json=url, headers=BEARER)
        assert made.status_code == 201 and made.get_json()["region"] == "eu"
        assert (count(pg_engine), count(eu_db)) == (0, 1)
        clash = client.post("/api/v1/subscriptions?region=us", json={**url, "region": "eu"}, headers=BEARER)
        assert clash.status_code == 400 and "differs" in clash.get_json()["error"]["message"]
    finally:
        truncate_all(eu_db)
        eu_db.dispose()
