"""The push tests' app: push subscriptions retried and leased on a test's time scale."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from app.core.settings import Settings
from app.web.factory import create_app
from tests.integration.push.push_support import FAST


@pytest.fixture
def settings(db_url: str, settings_for: Callable[..., Settings]) -> Settings:
    return settings_for(db_url, push=FAST)


@pytest.fixture
def app(settings: Settings) -> Flask:
    return create_app(settings)
