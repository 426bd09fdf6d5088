"""Every dashboard form carries a CSRF token bound to a cookie of this browser; a POST without it, with
another browser's, or from another origin changes nothing (403)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.dashboard.csrf import COOKIE as CSRF_COOKIE
from app.dashboard.session import COOKIE as SESSION_COOKIE
from tests.integration.conftest import API_TOKEN
from tests.support_forms import csrf_field


def login_page(client: FlaskClient) -> str:
    page = client.get("/dashboard/login")
    assert page.status_code == 200
    return csrf_field(page.get_data(as_text=True))


def test_signing_in_needs_the_forms_own_token(app: Flask) -> None:
    client = app.test_client()
    token = login_page(client)
    assert client.post("/dashboard/login", data={"token": API_TOKEN}).status_code == 403
    assert (
        client.post("/dashboard/login", data={"token": API_TOKEN, "csrf_token": "0" * 64}).status_code == 403
    )
    assert client.get_cookie(SESSION_COOKIE, path="/dashboard") is None
    signed_in = client.post("/dashboard/login", data={"token": API_TOKEN, "csrf_token": token})
    assert signed_in.status_code == 302 and client.get_cookie(SESSION_COOKIE, path="/dashboard") is not None


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null", "Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_a_form_posted_from_another_site_is_refused_even_with_the_token(
    app: Flask, headers: dict[str, str]
) -> None:
    client = app.test_client()
    token = login_page(client)
    refused = client.post("/dashboard/login", data={"token": API_TOKEN, "csrf_token": token}, headers=headers)
    assert refused.status_code == 403
    assert client.get_cookie(SESSION_COOKIE, path="/dashboard") is None


def test_another_browsers_token_does_not_open_this_browsers_forms(app: Flask) -> None:
    theirs, mine = app.test_client(), app.test_client()
    their_token = login_page(theirs)
    login_page(mine)
    assert (
        mine.post("/dashboard/login", data={"token": API_TOKEN, "csrf_token": their_token}).status_code == 403
    )


def test_sign_out_needs_the_token_and_renews_it(app: Flask) -> None:
    client = app.test_client()
    client.post("/dashboard/login", data={"token": API_TOKEN, "csrf_token": login_page(client)})
    before = client.get_cookie(CSRF_COOKIE, path="/dashboard")
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert client.post("/dashboard/logout").status_code == 403  # a forged sign-out is refused too
    signed_out = client.post(
        "/dashboard/logout", data={"csrf_token": csrf_field(page.get_data(as_text=True))}
    )
    assert signed_out.status_code == 302
    after = client.get_cookie(CSRF_COOKIE, path="/dashboard")
    assert before is not None and after is not None and after.value != before.value
    cookie = signed_out.headers.getlist("Set-Cookie")
    assert any(CSRF_COOKIE in line and "HttpOnly" in line and "SameSite=Strict" in line for line in cookie)
