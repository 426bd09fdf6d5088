"""The API fixtures (an app and an engine on each store) shared with the integration tests."""

from tests.integration.conftest import app, engine  # noqa: F401 - re-exported as fixtures
