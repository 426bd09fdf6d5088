"""Dashboard sessions on both stores: a new random cookie at each sign-in, kept in the database so that every
web process shares them, ended by sign-out, by expiry and by removing the token it was opened with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Engine, select, update

from app.core.models.sessions import DashboardSession
from app.dashboard.session import COOKIE
from app.web.factory import create_app
from tests.integration.conftest import API_TOKEN
from tests.support_forms import csrf_field


def sign_in(client: FlaskClient, token: str = API_TOKEN) -> str:
    form = csrf_field(client.get("/dashboard/login").get_data(as_text=True))
    assert client.post("/dashboard/login", data={"token": token, "csrf_token": form}).status_code == 302
    cookie = client.get_cookie(COOKIE, path="/dashboard")
    assert cookie is not None
    return cookie.value


def opens(client: FlaskClient, cookie: str) -> bool:
    client.set_cookie(COOKIE, cookie, path="/dashboard")
    return client.get("/dashboard").status_code == 200


def process(db_url: str, settings_for: Any, tokens: tuple[str, ...] = (API_TOKEN,)) -> FlaskClient:
    """Another web process on the same database (its own app, its own settings)."""
    return create_app(settings_for(db_url, api_tokens=tokens)).test_client()


def test_each_sign_in_is_a_new_random_session_that_sign_out_ends_everywhere(
    db_url: str, settings_for
) -> None:  # type: ignore[no-untyped-def]
    first, second = process(db_url, settings_for), process(db_url, settings_for)
    cookies = {sign_in(first), sign_in(first), sign_in(second)}
    assert len(cookies) == 3 and all(API_TOKEN not in cookie for cookie in cookies)
    cookie = sign_in(first)
    assert opens(second, cookie)  # a session made by one process opens the dashboard in another
    page = first.get("/dashboard").get_data(as_text=True)
    assert first.post("/dashboard/logout", data={"csrf_token": csrf_field(page)}).status_code == 302
    assert not opens(second, cookie) and not opens(first, cookie)  # the old cookie, replayed, opens nothing


def test_removing_a_token_ends_the_sessions_it_opened(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    before = process(db_url, settings_for, ("old-token", "new-token"))
    old_session, new_session = sign_in(before, "old-token"), sign_in(before, "new-token")
    after = process(
        db_url, settings_for, ("new-token",)
    )  # the rotation: old-token removed, processes restarted
    assert not opens(after, old_session)
    assert opens(after, new_session)


def test_an_expired_session_opens_nothing(db_url: str, settings_for, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    client = process(db_url, settings_for)
    cookie = sign_in(client)
    with engine.begin() as connection:
        connection.execute(
            update(DashboardSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert not opens(client, cookie)


def test_the_table_holds_neither_the_cookie_nor_the_token(db_url: str, settings_for, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    cookie = sign_in(process(db_url, settings_for))
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(select(DashboardSession))]
    assert len(rows) == 1
    assert not any(cookie in str(value) or API_TOKEN in str(value) for value in rows[0])
