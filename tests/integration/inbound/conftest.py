"""The app the inbound tests post to: the real one, its drain waker recording instead of publishing. A test
module that needs other settings defines its own `settings` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from app.core.settings import Settings
from app.web.factory import create_app
from tests.integration.conftest import RecordingWaker
from tests.integration.inbound_support import release


@pytest.fixture
def settings(db_url: str, settings_for) -> Settings:  # type: ignore[no-untyped-def]
    return settings_for(db_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    app.extensions["mailhook"].waker = RecordingWaker()
    yield app
    release(app)
