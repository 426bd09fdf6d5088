"""/healthz: the process answers. /readyz: the database and the broker answer too (503 otherwise)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.broker import broker_reachable
from app.services import services

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    checks = {"database": _database_ok(), "broker": broker_reachable(services().settings)}
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
