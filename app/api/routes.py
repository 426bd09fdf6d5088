"""The internal REST API under /api/v1: bearer-token auth, JSON in Mailgun's manner, OpenAPI described.

The route table lives here, next to the cross-cutting rules: every request is authenticated first, and
every failure answers `{"message", "error": {"code", "message"}}`, including routing 404/405s under
/api/v1.
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from app.api import (
    dead_letters,
    events,
    feed,
    inbound,
    recipients,
    reference,
    stats,
    subscriptions,
    suppressions,
    sync_actions,
)
from app.api.auth import CHALLENGE, check_authorization, presents_bearer
from app.api.cross_site import SAFE_METHODS, cross_site_refusal
from app.api.openapi.document import openapi_document
from app.api.problems import ApiError
from app.core.db import store_is_away
from app.core.errors import error_response
from app.web.services import services

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
RETRY_AFTER_SECONDS = "10"
MAX_BODY_BYTES = 1024

bp = Blueprint("api", __name__, url_prefix=PREFIX)

bp.add_url_rule("/events", view_func=events.list_events, methods=["GET"])
bp.add_url_rule("/events/<event_id>", view_func=events.get_event, methods=["GET"])
# `path`: a Message-Id or an address may legally contain a slash.
bp.add_url_rule("/messages/<path:message_id>/events", view_func=events.message_timeline, methods=["GET"])
bp.add_url_rule("/feed", view_func=feed.read_feed, methods=["GET"])
bp.add_url_rule("/recipients/<path:address>", view_func=recipients.recipient_summary, methods=["GET"])
bp.add_url_rule("/stats", view_func=stats.event_stats, methods=["GET"])
bp.add_url_rule("/dead-letters", view_func=dead_letters.list_dead_letters, methods=["GET"])
bp.add_url_rule(
    "/dead-letters/<letter_id>/replay", view_func=dead_letters.replay_dead_letter, methods=["POST"]
)
bp.add_url_rule("/inbound", view_func=inbound.list_inbound, methods=["GET"])
bp.add_url_rule("/inbound/<message_id>", view_func=inbound.get_inbound, methods=["GET"])
bp.add_url_rule("/inbound/<message_id>/raw", view_func=inbound.get_inbound_raw, methods=["GET"])
bp.add_url_rule(
    "/inbound/<message_id>/attachments/<n>", view_func=inbound.get_inbound_attachment, methods=["GET"]
)
bp.add_url_rule("/suppressions", view_func=suppressions.list_suppressions, methods=["GET"])
bp.add_url_rule("/sync-actions", view_func=sync_actions.list_sync_actions, methods=["GET"])
bp.add_url_rule("/sync-actions/<action_id>/retry", view_func=sync_actions.retry_sync_action, methods=["POST"])
bp.add_url_rule("/subscriptions", view_func=subscriptions.create_subscription, methods=["POST"])
bp.add_url_rule("/subscriptions", view_func=subscriptions.list_subscriptions, methods=["GET"])
bp.add_url_rule("/subscriptions/<subscription_id>", view_func=subscriptions.get_subscription, methods=["GET"])
bp.add_url_rule(
    "/subscriptions/<subscription_id>", view_func=subscriptions.delete_subscription, methods=["DELETE"]
)
bp.add_url_rule(
    "/subscriptions/<subscription_id>/resume", view_func=subscriptions.resume_subscription, methods=["POST"]
)
# The one call that takes fields: its view reads and checks its own body (app/api/subscription_body.py).
TAKES_A_BODY = {"api.create_subscription"}
bp.add_url_rule("/openapi.json", view_func=openapi_document, methods=["GET"])
bp.add_url_rule("/docs", view_func=reference.api_reference, methods=["GET"])
bp.add_url_rule("/docs/openapi.json", view_func=reference.api_reference_document, methods=["GET"])
bp.add_url_rule("/docs/redoc.standalone.js", view_func=reference.api_reference_script, methods=["GET"])


@bp.before_request
def authenticate() -> None:
    if reference.opened_by_dashboard_session():
        return  # the reference page's GETs, for a browser signed in to the dashboard (reference.py says why)
    authorization = request.headers.get("Authorization")
    check_authorization(authorization, services().settings.api_tokens)
    refused = cross_site_refusal(
        method=request.method,
        own_origin=request.host_url,
        origin=request.headers.get("Origin"),
        fetch_site=request.headers.get("Sec-Fetch-Site"),
        content_type=request.headers.get("Content-Type"),
        bearer=presents_bearer(authorization),
    )
    if refused is not None:
        raise refused
    if request.method not in SAFE_METHODS and request.endpoint not in TAKES_A_BODY:
        empty_json_body(request.stream.read(MAX_BODY_BYTES + 1))


def empty_json_body(body: bytes) -> None:
    """The other POSTs take no fields: a body, when sent, is `{}` (any other JSON is refused, not ignored)."""
    if not body.strip():
        return
    try:
        document = json.loads(body) if len(body) <= MAX_BODY_BYTES else None
    except ValueError:
        document = None
    if document != {}:
        raise ApiError(
            400, "bad_body", "the body must be the empty JSON object {}: this call takes no fields"
        )


@bp.errorhandler(ApiError)
def api_error(exc: ApiError) -> Response:
    headers = {"WWW-Authenticate": CHALLENGE} if exc.status == 401 else None
    return error_response(exc.status, exc.code, exc.message, headers)


@bp.errorhandler(SQLAlchemyError)
def store_failed(exc: SQLAlchemyError) -> Response:
    # The exception type and the endpoint only: a driver message can quote the statement and its parameters,
    # and the path can hold an address.
    log.error("api: database error %s in %s", type(exc).__name__, request.endpoint)
    if not store_is_away(exc):
        # A query the store refused (a value it cannot take, say) fails the same way on every retry: a 503
        # with Retry-After would send clients into a loop and hide the bug.
        return server_error(InternalServerError())
    return error_response(
        503, "store_unavailable", "storage is unavailable, retry later", {"Retry-After": RETRY_AFTER_SECONDS}
    )


@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def routing_error(exc: HTTPException) -> Response | HTTPException:
    """Routing failures happen before any blueprint is chosen; under /api/v1 they still answer JSON."""
    if not request.path.startswith(PREFIX + "/"):
        return exc
    try:
        check_authorization(request.headers.get("Authorization"), services().settings.api_tokens)
    except ApiError as refused:
        return api_error(refused)
    if isinstance(exc, MethodNotAllowed):
        allowed = ", ".join(exc.valid_methods or ())
        return error_response(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed here",
            {"Allow": allowed} if allowed else None,
        )
    return error_response(404, "not_found", "no such endpoint")


@bp.errorhandler(InternalServerError)
def server_error(exc: InternalServerError) -> Response:
    return error_response(500, "server_error", "the server failed to answer; the error is logged")
