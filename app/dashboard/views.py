"""/dashboard: the operator's page. Server-rendered HTML with an inline SVG chart: no script, no CDN.

The same API tokens open it: `Authorization: Bearer` for tools, or a login form that starts a server-side
session (app/dashboard/session.py): the cookie holds a random secret, HttpOnly and SameSite=Strict. The same
session opens the API reference page (/api/v1/docs), linked from the dashboard's header.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for

from app.api.auth import presented_token, token_is_valid
from app.dashboard import csrf
from app.dashboard.chart import bar_chart, legend
from app.dashboard.data import read_dashboard
from app.dashboard.session import (
    COOKIE,
    COOKIE_PATHS,
    LIFETIME,
    end_session,
    session_is_open,
    start_session,
)
from app.web.services import services

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates")
SECURITY_HEADERS = {
    # Nothing external may load; inline styles are ours and static.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
csrf.init_csrf(bp)


@bp.get("")
def show() -> Response:
    if not _signed_in():
        return _secured(make_response(redirect(url_for("dashboard.login_form"))))
    data = read_dashboard(services().databases(), services().settings, now=datetime.now(UTC))
    page = render_template("dashboard.html", data=data, chart=bar_chart(data.hourly), legend=legend())
    return _secured(make_response(page))


@bp.get("/login")
def login_form() -> Response:
    return _secured(make_response(render_template("dashboard_login.html", failed=False)))


@bp.post("/login")
def login() -> Response:
    token = request.form.get("token", "")
    if not token_is_valid(token, services().settings.api_tokens):
        return _secured(make_response(render_template("dashboard_login.html", failed=True), 401))
    csrf.renew()
    response = make_response(redirect(url_for("dashboard.show")))
    secret = start_session(services().engine, token)
    for path in COOKIE_PATHS:
        response.set_cookie(
            COOKIE,
            secret,
            httponly=True,
            samesite="Strict",
            secure=request.is_secure,
            max_age=int(LIFETIME.total_seconds()),
            path=path,
        )
    return _secured(response)


@bp.post("/logout")
def logout() -> Response:
    csrf.renew()
    end_session(services().engine, request.cookies.get(COOKIE))
    response = make_response(redirect(url_for("dashboard.login_form")))
    for path in COOKIE_PATHS:
        response.delete_cookie(COOKIE, path=path)
    return _secured(response)


def _signed_in() -> bool:
    tokens = services().settings.api_tokens
    header_token = presented_token(request.headers.get("Authorization"))
    if token_is_valid(header_token, tokens):
        return True
    return session_is_open(services().engine, request.cookies.get(COOKIE), tokens)


def _secured(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response
