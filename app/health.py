"""/healthz: the process answers. /readyz: the database and the broker answer too (503 otherwise);
/readyz?require=database checks the database only."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.broker import broker_reachable
from app.services import services

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


# Each check /readyz can run; `?require=database` runs only that one.
CHECKS: dict[str, Callable[[], bool]] = {
    "database": lambda: _database_ok(),
    "broker": lambda: broker_reachable(services().settings),
}


@bp.get("/readyz")
def readyz() -> Response:
    """Both checks by default. Intake needs only the database (a lost wake-up is found by the sweep), so a
    load balancer's readiness probe asks `?require=database` and keeps pods serving while Redis is away."""
    required = [name.strip() for name in request.args.get("require", ",".join(CHECKS)).split(",")]
    unknown = sorted(set(required) - set(CHECKS))
    if unknown:
        response = jsonify({"status": "bad_request", "unknown_checks": unknown, "known": list(CHECKS)})
        response.status_code = 400
        return response
    checks = {name: CHECKS[name]() for name in dict.fromkeys(required)}
    response = jsonify({"status": "ok" if all(checks.values()) else "unavailable", "checks": checks})
    if not all(checks.values()):
        response.status_code = 503
        response.headers["Retry-After"] = "10"
    return response


def _database_ok() -> bool:
    try:
        with services().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError as exc:
        log.warning("readiness: database unavailable (%s)", type(exc).__name__)
        return False
