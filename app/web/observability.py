"""Request ids, request metrics and GET /metrics.

Flask's routes get them from before/after-request hooks; the intake, which answers below Flask
(app/intake/middleware.py), calls `request_id_for` and `record_request` itself, so both kinds of route are
counted and traced the same way.
"""

from __future__ import annotations

import re
import time

from flask import Blueprint, Flask, Response, g, request

from app.core.backlog import ExpectedSeries, backlog_gauges
from app.core.logs import new_request_id, request_id_var
from app.core.metrics import HTTP_REQUESTS, HTTP_SECONDS, GaugeReading, elapsed_since, exposition, series
from app.core.subscriptions import lag_gauges
from app.web.services import services

_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

bp = Blueprint("observability", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    found = services()
    expected = ExpectedSeries.from_settings(found.settings)
    databases = found.databases()

    def gauges() -> list[GaugeReading]:
        readings = backlog_gauges(expected, *(engine for _, engine in databases))
        readings += found.domain_health.readings(databases, found.settings)
        return readings + lag_gauges((store.name, engine) for store, engine in databases)

    body, content_type = exposition(gauges, request.headers.get("Accept", ""))
    return Response(body, content_type=content_type)


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.register_blueprint(bp)


def request_id_for(given: str) -> str:
    """The caller's X-Request-Id when it is a sane one, else a new id."""
    return given if _VALID_ID.match(given) else new_request_id()


def record_request(route: str, status: int, started: float) -> None:
    series(HTTP_REQUESTS, route, str(status)).inc()
    series(HTTP_SECONDS, route).observe(elapsed_since(started))


def _start() -> None:
    g.request_id = request_id_for(request.headers.get("X-Request-Id", ""))
    g.started = time.perf_counter()
    request_id_var.set(g.request_id)


def _finish(response: Response) -> Response:
    route = request.url_rule.rule if request.url_rule else "unmatched"
    record_request(route, response.status_code, g.get("started", time.perf_counter()))
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response
