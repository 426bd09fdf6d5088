"""Request ids, request metrics and GET /metrics, wired into the Flask app."""

from __future__ import annotations

import re
import time

from flask import Blueprint, Flask, Response, g, request

from app.backlog import backlog_gauges
from app.logs import new_request_id, request_id_var
from app.metrics import HTTP_REQUESTS, HTTP_SECONDS, elapsed_since, exposition
from app.services import services

_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

bp = Blueprint("observability", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    body = exposition(lambda: backlog_gauges(*services().engines()))
    return Response(body, mimetype="text/plain; version=0.0.4")


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.register_blueprint(bp)


def _start() -> None:
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if _VALID_ID.match(given) else new_request_id()
    g.started = time.perf_counter()
    request_id_var.set(g.request_id)


def _finish(response: Response) -> Response:
    route = request.url_rule.rule if request.url_rule else "unmatched"
    HTTP_REQUESTS.labels(route, str(response.status_code)).inc()
    HTTP_SECONDS.labels(route).observe(elapsed_since(g.get("started", time.perf_counter())))
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response
