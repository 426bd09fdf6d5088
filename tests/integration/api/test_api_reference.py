"""GET /api/v1/docs: opened by an API token or the dashboard's session, nothing else; its own policy."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from app.dashboard.session import COOKIE
from tests.integration.conftest import API_TOKEN, BEARER

PAGES = ["/api/v1/docs", "/api/v1/docs/openapi.json", "/api/v1/docs/redoc.standalone.js"]


def signed_in(app: Flask) -> FlaskClient:
    """A browser that signed in through the dashboard's form (with its CSRF field)."""
    client = app.test_client()
    form = client.get("/dashboard/login").get_data(as_text=True)
    field = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/dashboard/login", data={"token": API_TOKEN, "csrf_token": field})
    assert answer.status_code == 302
    return client


def test_without_credentials_every_part_of_the_reference_is_a_401(app: Flask) -> None:
    client = app.test_client()
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.get_json()["error"]["code"] == "unauthorized"
    client.set_cookie(COOKIE, "forged", path="/api/v1/docs")
    assert client.get("/api/v1/docs").status_code == 401


def test_a_token_opens_the_page_its_script_and_its_document(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/api/v1/docs", headers=BEARER)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert '<redoc spec-url="/api/v1/docs/openapi.json">' in html
    assert '<script src="/api/v1/docs/redoc.standalone.js">' in html
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy and "http" not in policy
    script = client.get("/api/v1/docs/redoc.standalone.js", headers=BEARER)
    assert script.status_code == 200 and script.mimetype == "text/javascript" and len(script.data) > 500_000
    assert script.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get(
        "/api/v1/docs/redoc.standalone.js", headers={**BEARER, "If-None-Match": script.headers["ETag"]}
    )
    assert again.status_code == 304
    served = client.get("/api/v1/openapi.json", headers=BEARER).get_json()
    assert client.get("/api/v1/docs/openapi.json", headers=BEARER).get_json() == served
    assert client.get("/api/v1/docs?x=1", headers=BEARER).status_code == 400  # unknown parameters refused


def test_the_dashboard_session_opens_the_reference_and_nothing_else_of_the_api(app: Flask) -> None:
    client = signed_in(app)
    assert client.get_cookie(COOKIE, path="/dashboard") is not None
    assert client.get_cookie(COOKIE, path="/api/v1/docs") is not None
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    # The cookie is never sent to the rest of the API, and would open nothing there if it were.
    session = client.get_cookie(COOKIE, path="/api/v1/docs")
    assert session is not None
    client.set_cookie(COOKIE, session.value, path="/api/v1")
    assert client.get("/api/v1/events").status_code == 401
    assert client.post("/api/v1/docs").status_code == 401  # the session opens GETs only

    form = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/api/v1/docs"' in form
    field = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/dashboard/logout", data={"csrf_token": field}).status_code == 302
    assert client.get_cookie(COOKIE, path="/api/v1/docs") is None
    assert client.get("/api/v1/docs").status_code == 401
