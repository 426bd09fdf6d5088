"""Failures under /api/v1 answer {"message", "error": {"code", "message"}}; the rest of the app is left as it
was."""

from __future__ import annotations

from flask import Flask

from app.web.factory import create_app
from tests.integration.conftest import BEARER, Api


def test_unknown_endpoint_under_the_api_is_a_json_404(app: Flask) -> None:
    response = app.test_client().get("/api/v1/no-such-thing", headers=BEARER)
    assert response.status_code == 404
    assert response.get_json() == {
        "message": "no such endpoint",
        "error": {"code": "not_found", "message": "no such endpoint"},
    }


def test_wrong_method_is_a_json_405_with_allow(app: Flask) -> None:
    response = app.test_client().delete("/api/v1/events", headers=BEARER)
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_routing_errors_outside_the_api_keep_their_own_shape(app: Flask) -> None:
    response = app.test_client().get("/no-such-page")
    assert response.status_code == 404
    assert not response.is_json


def test_store_unavailable_is_503_with_retry_after(settings_for) -> None:  # type: ignore[no-untyped-def]
    api = Api(create_app(settings_for("postgresql://127.0.0.1:1/nowhere")).test_client())
    response = api.get("/events")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "store_unavailable"
    assert int(response.headers["Retry-After"]) > 0
    assert "127.0.0.1" not in response.get_data(as_text=True)


def test_an_unexpected_failure_is_a_json_500(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings_for(db_url))
    app.testing = False  # answer as in production instead of re-raising into the test

    def broken() -> None:
        raise RuntimeError("boom")

    app.view_functions["api.event_stats"] = broken
    response = Api(app.test_client()).get("/stats")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "server_error"
    assert "boom" not in response.get_data(as_text=True)
