"""Intake: POST /webhooks/mailgun. Verify, commit the raw delivery to the inbox, answer.

Exactly 200 once the delivery is durable (or was already); 401 for a missing, bad or stale signature (Mailgun
retries it, so a rotated key can be fixed in time); 400 unreadable; 413 too big; 415 wrong type; 503 with
Retry-After when the database is unavailable, so Mailgun retries later.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, request

from app.delivery import Delivery, DeliveryError, RouteRules, read_delivery
from app.errors import error_response
from app.inbox import StoreUnavailable
from app.metrics import DELIVERIES, SIGNATURE_FAILURES
from app.services import services
from app.signing import check_signature

log = logging.getLogger(__name__)

bp = Blueprint("intake", __name__)

RETRY_AFTER_SECONDS = "30"
# The two answers to an accepted delivery, encoded once rather than serialized on every request.
ANSWER_STORED = b'{"message":"stored"}\n'
ANSWER_ALREADY_STORED = b'{"message":"already stored"}\n'
# Mailgun's 25 MB messages plus the form's overhead.
INBOUND_MAX_BYTES = 30 * 1024 * 1024
WEBHOOK = RouteRules("webhooks", max_bytes=1024 * 1024, form_kind="legacy_webhook")
INBOUND = RouteRules(
    "inbound", max_bytes=INBOUND_MAX_BYTES, form_kind="inbound", store_notify_kind="store_notify"
)
INBOUND_MIME = RouteRules("inbound_mime", max_bytes=INBOUND_MAX_BYTES, form_kind="inbound_mime")


@bp.post("/webhooks/mailgun")
def receive_webhook() -> Response:
    return accept(WEBHOOK)


@bp.post("/inbound/mailgun")
def receive_inbound() -> Response:
    return accept(INBOUND)


@bp.post("/inbound/mailgun/mime")
def receive_inbound_mime() -> Response:
    return accept(INBOUND_MIME)


def accept(rules: RouteRules) -> Response:
    """Shared by every intake route: read, verify, store, wake, answer."""
    try:
        # The request itself, not Flask's proxy to it: read_delivery looks at it a few dozen times.
        delivery = read_delivery(request._get_current_object(), rules)  # type: ignore[attr-defined]
    except DeliveryError as exc:
        return error_response(exc.status, exc.code, exc.message)
    refused = _verify(delivery)
    if refused is not None:
        return refused
    try:
        stored = services().inbox_for(delivery).store(delivery)
    except StoreUnavailable as exc:
        log.error("inbox unavailable, answering 503: %s", exc)
        return error_response(
            503,
            "store_unavailable",
            "storage is unavailable, retry later",
            {"Retry-After": RETRY_AFTER_SECONDS},
        )
    DELIVERIES.labels(rules.name, "stored" if stored else "duplicate").inc()
    if stored:
        services().waker.poke()
    return Response(ANSWER_STORED if stored else ANSWER_ALREADY_STORED, mimetype="application/json")


def _verify(delivery: Delivery) -> Response | None:
    settings = services().settings
    failure = check_signature(
        delivery.signed, settings.signing_keys, now=time.time(), max_age=settings.signature_max_age
    )
    if failure is None:
        return None
    SIGNATURE_FAILURES.labels(failure.value).inc()
    log.warning("signature refused on %s: %s", delivery.route, failure.value)
    return error_response(401, f"signature_{failure.value}", f"signature check failed: {failure.value}")
