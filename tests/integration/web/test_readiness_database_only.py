"""/readyz?require=database: ready while Redis is away, since intake needs only the database."""

from __future__ import annotations

from app.web.factory import create_app


def test_database_only_readiness_ignores_a_lost_broker(settings_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
    client = create_app(settings_for(db_url, redis_url="redis://127.0.0.1:1/0")).test_client()
    response = client.get("/readyz?require=database")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": True}
    assert client.get("/readyz").status_code == 503  # plain /readyz still checks both


def test_database_only_readiness_fails_without_the_database(settings_for) -> None:  # type: ignore[no-untyped-def]
    client = create_app(settings_for("postgresql://127.0.0.1:1/nowhere")).test_client()
    response = client.get("/readyz?require=database")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": False}
    assert "Retry-After" in response.headers


def test_an_unknown_check_is_refused(settings_for, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    client = create_app(settings_for(sqlite_url)).test_client()
    response = client.get("/readyz?require=database,disk")
    assert response.status_code == 400
    assert response.get_json()["unknown_checks"] == ["disk"]
