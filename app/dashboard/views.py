"""/dashboard: the operator's overview, sign-in and sign-out. Server-rendered HTML with an inline SVG chart:
no script, no CDN. The console's other pages are one module each, registered on the same blueprint
(app/dashboard/access.py) by being imported here: search, recipients, messages, domains, dead letters, sync
actions and the live view. The same session opens the API reference page (/api/v1/docs), linked from the
header.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Response, make_response, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from app.api.auth import token_is_valid
from app.core.db import store_is_away
from app.dashboard import (  # noqa: F401 - each registers its pages on bp
    csrf,
    dead_letters_page,
    domains_page,
    live_page,
    message_page,
    recipient_page,
    search,
    sync_page,
)
from app.dashboard.access import bp, secured, signed_in
from app.dashboard.chart import bar_chart, legend
from app.dashboard.data import read_dashboard, read_day_counts
from app.dashboard.session import COOKIE, COOKIE_PATHS, LIFETIME, end_session, start_session
from app.web.services import services

__all__ = ["bp"]
log = logging.getLogger(__name__)
# As the API's: a database or replica that is away is worth another try in a little while.
RETRY_AFTER_SECONDS = "10"


@bp.get("")
@signed_in
def show() -> Response:
    # The page's figures may lag by a replica's replay delay; the session is read on the primary.
    databases, now = services().read_databases(), datetime.now(UTC)
    # The day's counts are kept for 30 s (app/core/reading.py): the backlog beside them is read every time.
    day = services().day_counts.read(lambda: read_day_counts(databases, now))
    data = read_dashboard(databases, services().settings, now, day)
    page = render_template("dashboard.html", data=data, chart=bar_chart(data.hourly), legend=legend())
    return make_response(page)


@bp.get("/login")
def login_form() -> Response:
    return secured(make_response(render_template("dashboard_login.html", failed=False)))


@bp.post("/login")
def login() -> Response:
    token = request.form.get("token", "")
    if not token_is_valid(token, services().settings.api_tokens):
        return secured(make_response(render_template("dashboard_login.html", failed=True), 401))
    csrf.renew()
    response = make_response(redirect(url_for("dashboard.show")))
    secret = start_session(services().engine, token)
    for path in COOKIE_PATHS:  # the dashboard, and the API reference page it links to
        response.set_cookie(
            COOKIE,
            secret,
            httponly=True,
            samesite="Strict",
            secure=request.is_secure,
            max_age=int(LIFETIME.total_seconds()),
            path=path,
        )
    return secured(response)


@bp.post("/logout")
def logout() -> Response:
    csrf.renew()
    end_session(services().engine, request.cookies.get(COOKIE))
    response = make_response(redirect(url_for("dashboard.login_form")))
    for path in COOKIE_PATHS:
        response.delete_cookie(COOKIE, path=path)
    return secured(response)


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
    return secured(response)
