"""/dashboard: the operator's page. Server-rendered HTML with an inline SVG chart: no script, no CDN.

The same API tokens open it: `Authorization: Bearer` for tools, or a login form that starts a server-side
session (app/dashboard/session.py): the cookie holds a random secret, HttpOnly and SameSite=Strict.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from app.api.auth import presented_token, token_is_valid
from app.core.db import store_is_away
from app.dashboard import csrf
from app.dashboard.chart import bar_chart, legend
from app.dashboard.data import read_dashboard
from app.dashboard.session import COOKIE, LIFETIME, end_session, session_is_open, start_session
from app.web.services import services

log = logging.getLogger(__name__)
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
# As the API's: a database or replica that is away is worth another try in a little while.
RETRY_AFTER_SECONDS = "10"


@bp.get("")
def show() -> Response:
    if not _signed_in():
        return _secured(make_response(redirect(url_for("dashboard.login_form"))))
    # The page's figures may lag by a replica's replay delay; the session above is read on the primary.
    data = read_dashboard(services().read_databases(), services().settings, now=datetime.now(UTC))
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
    response.set_cookie(
        COOKIE,
        start_session(services().engine, token),
        httponly=True,
        samesite="Strict",
        secure=request.is_secure,
        max_age=int(LIFETIME.total_seconds()),
        path="/dashboard",
    )
    return _secured(response)


@bp.post("/logout")
def logout() -> Response:
    csrf.renew()
    end_session(services().engine, request.cookies.get(COOKIE))
    response = make_response(redirect(url_for("dashboard.login_form")))
    response.delete_cookie(COOKIE, path="/dashboard")
    return _secured(response)


def _signed_in() -> bool:
    tokens = services().settings.api_tokens
    header_token = presented_token(request.headers.get("Authorization"))
    if token_is_valid(header_token, tokens):
        return True
    return session_is_open(services().engine, request.cookies.get(COOKIE), tokens)


@bp.errorhandler(SQLAlchemyError)
def store_failed(exc: SQLAlchemyError) -> Response:
    """A database (or the replica the page reads) that is away: 503 with Retry-After, no detail."""
    # The exception type only: a driver message can quote the statement and its parameters.
    log.error("dashboard: database error %s in %s", type(exc).__name__, request.endpoint)
    if not store_is_away(exc):
        response = make_response(("the server failed to answer; the error is logged\n", 500))
    else:
        response = make_response(("storage is unavailable, retry later\n", 503))
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    response.mimetype = "text/plain"
    return _secured(response)


def _secured(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response
