"""/healthz: the process answers. /readyz: every database and the broker answer too (503 otherwise);
/readyz?require=database checks the databases only. A refusal (400, 503) carries a top-level `message`, the
error shape of Mailgun's API that the rest of the service answers with too.

With the EU region in a database of its own (DATABASE_URL_EU) the `database` check passes only when both
databases answer, and the body names each one under `databases`.

A streaming replica (DATABASE_URL_READ, DATABASE_URL_EU_READ) is reported, never required by default: the
intake and the drain write to the databases themselves, so a replica that is down costs the API's reads
(503) but no delivery. The default /readyz names each replica under `read_replicas` (true when it answers)
and under `checks.replica`, while `status` and the 503 follow the database and the broker only; a probe for
a deployment that serves the API alone asks `?require=database,replica`, which then fails with the replica.
`?require=database` does not touch a replica at all.
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


def _replicas() -> Outcome:
    answered = {
        store.name: _answers(f"{store.name} replica", engine) for store, engine in services().replicas()
    }
    return all(answered.values()), {"read_replicas": answered}


# Each check /readyz can run; `?require=database` runs only that one.
CHECKS: dict[str, Callable[[], Outcome]] = {
    "database": _databases,
    "broker": _broker,
    "replica": _replicas,
}
# What a bare /readyz requires, and what it reports without requiring it.
REQUIRED_BY_DEFAULT = ("database", "broker")
REPORTED_BY_DEFAULT = ("replica",)


@bp.get("/readyz")
def readyz() -> Response:
    """Both checks by default. Intake needs only the database (a lost wake-up is found by the sweep), so a
    load balancer's readiness probe asks `?require=database` and keeps pods serving while Redis is away."""
    asked = request.args.get("require")
    required = [name.strip() for name in asked.split(",")] if asked is not None else list(REQUIRED_BY_DEFAULT)
    reported = [] if asked is not None or not services().replicas() else list(REPORTED_BY_DEFAULT)
    unknown = sorted(set(required) - set(CHECKS))
    if unknown:
        message = f"unknown checks {', '.join(unknown)}; known: {', '.join(CHECKS)}"
        response = jsonify(
            {"status": "bad_request", "message": message, "unknown_checks": unknown, "known": list(CHECKS)}
        )
        response.status_code = 400
        return response
    outcomes = {name: CHECKS[name]() for name in dict.fromkeys(required + reported)}
    checks = {name: passed for name, (passed, _) in outcomes.items()}
    details = {key: value for _, found in outcomes.values() for key, value in found.items()}
    ready = all(checks[name] for name in required)
    if ready:
        return jsonify({"status": "ok", "checks": checks, **details})
    failed = ", ".join(name for name in required if not checks[name])
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
