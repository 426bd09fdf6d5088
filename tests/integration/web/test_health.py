"""/healthz and /readyz against real and unreachable stores."""

from __future__ import annotations

from app.web.factory import create_app
from tests.conftest import REDIS_TEST_URL


def test_healthz_is_always_ok(settings_for) -> None:  # type: ignore[no-untyped-def]
    client = create_app(settings_for("postgresql://127.0.0.1:1/nowhere")).test_client()
    assert client.get("/healthz").status_code == 200


def test_readyz_ok_with_database_and_redis(settings_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
    client = create_app(settings_for(db_url, redis_url=REDIS_TEST_URL)).test_client()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": True, "broker": True}


def test_readyz_ok_with_embedded_broker(settings_for, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    response = create_app(settings_for(sqlite_url)).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": True, "broker": True}


def test_readyz_503_when_database_is_gone(settings_for) -> None:  # type: ignore[no-untyped-def]
    client = create_app(
        settings_for("postgresql://127.0.0.1:1/nowhere", redis_url=REDIS_TEST_URL)
    ).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": False, "broker": True}
    assert "Retry-After" in response.headers


def test_readyz_503_when_redis_is_gone(settings_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
    client = create_app(settings_for(db_url, redis_url="redis://127.0.0.1:1/0")).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": True, "broker": False}
