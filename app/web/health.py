"""/healthz: the process answers. /readyz: every database and the broker answer too (503 otherwise);
/readyz?require=database checks the databases only. A refusal (400, 503) carries a top-level `message`, the
error shape of Mailgun's API that the rest of the service answers with too.

With the EU region in a database of its own (DATABASE_URL_EU) the `database` check passes only when both
databases answer, and the body names each one under `databases`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from app.core.broker import broker_reachable
from app.web.services import services

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

# What a check found: whether it passed, and what it adds to the body (nothing, as a rule).
Outcome = tuple[bool, dict[str, Any]]


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


def _broker() -> Outcome:
    return broker_reachable(services().settings), {}


def _databases() -> Outcome:
    answered = {store.name: _answers(store.name, engine) for store, engine in services().databases()}
    details = {"databases": answered} if len(answered) > 1 else {}
    return all(answered.values()), details


# Each check /readyz can run; `?require=database` runs only that one.
CHECKS: dict[str, Callable[[], Outcome]] = {
    "database": _databases,
    "broker": _broker,
}


@bp.get("/readyz")
def readyz() -> Response:
    """Both checks by default. Intake needs only the database (a lost wake-up is found by the sweep), so a
    load balancer's readiness probe asks `?require=database` and keeps pods serving while Redis is away."""
    required = [name.strip() for name in request.args.get("require", ",".join(CHECKS)).split(",")]
    unknown = sorted(set(required) - set(CHECKS))
    if unknown:
        message = f"unknown checks {', '.join(unknown)}; known: {', '.join(CHECKS)}"
        response = jsonify(
            {"status": "bad_request", "message": message, "unknown_checks": unknown, "known": list(CHECKS)}
        )
        response.status_code = 400
        return response
    outcomes = {name: CHECKS[name]() for name in dict.fromkeys(required)}
    checks = {name: passed for name, (passed, _) in outcomes.items()}
    details = {key: value for _, found in outcomes.values() for key, value in found.items()}
    ready = all(checks.values())
    if ready:
        return jsonify({"status": "ok", "checks": checks, **details})
    failed = ", ".join(name for name, passed in checks.items() if not passed)
    message = f"not ready: {failed} unavailable"
    response = jsonify({"status": "unavailable", "message": message, "checks": checks, **details})
    response.status_code = 503
    response.headers["Retry-After"] = "10"
    return response


def _answers(name: str, engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError as exc:
        log.warning("readiness: database %s unavailable (%s)", name, type(exc).__name__)
        return False
