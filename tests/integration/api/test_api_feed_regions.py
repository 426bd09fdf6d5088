"""DATABASE_URL_EU: each region's database keeps its own feed; a position of one is refused by the other."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine

from app.core.db import make_engine
from app.web.factory import create_app
from tests.conftest import truncate_all
from tests.integration.conftest import Api, add_event

pytestmark = pytest.mark.postgres


@pytest.fixture
def split_api(pg_url: str, eu_url: str, pg_engine: Engine, settings_for: Any) -> Iterator[Api]:
    app: Flask = create_app(replace(settings_for(pg_url), database_url_eu=eu_url))
    yield Api(app.test_client())
    app.extensions["mailhook"].close()
    truncate_all(pg_engine)


def test_each_regions_database_serves_its_own_feed(split_api: Api, pg_engine: Engine, eu_url: str) -> None:
    eu_db = make_engine(eu_url)
    try:
        us_id, eu_id = add_event(pg_engine, region="us"), add_event(eu_db, region="eu")
    finally:
        eu_db.dispose()
    assert split_api.get("/feed").status_code == 400  # which feed is not given
    us = split_api.get("/feed", region="us", wait="10").get_json()
    eu = split_api.get("/feed", region="eu", wait="10").get_json()
    assert [item["id"] for item in us["items"]] == [us_id]
    assert [item["id"] for item in eu["items"]] == [eu_id]
    refused = split_api.get("/feed", region="eu", after=us["next_cursor"])
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"].startswith("parameter 'after'")
