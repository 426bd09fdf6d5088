"""Intake: POST /webhooks/mailgun, /inbound/mailgun and /inbound/mailgun/mime. Verify, commit the raw delivery
to the inbox, answer.

Exactly 200 once the delivery is durable (or was already); 401 for a missing, bad or stale signature (Mailgun
retries it, so a rotated key can be fixed in time); 400 unreadable; 408 a body that did not arrive within
the body read deadline; 413 too big; 415 wrong type; 503 with Retry-After when the database is unavailable,
so Mailgun retries later.

The intake answers in a WSGI layer in front of the Flask app rather than as Flask views: it is the hot path
(every event Mailgun sends, thousands a second at peak), and Flask's request context, routing and hooks cost
about as much CPU per request as the intake's own work. Every other route (API, dashboard, health, metrics)
is Flask's. Request ids and request metrics are the same for both (app/web/observability.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from app.core.errors import error_body
from app.core.logs import request_id_var
from app.core.metrics import DELIVERIES, SIGNATURE_FAILURES, series
from app.core.models.inbox_vocab import InboxKind
from app.core.signing import Failure, SignedParts, check_signature
from app.core.task_names import DRAIN_INBOUND
from app.intake.delivery import Delivery, DeliveryError, RouteRules, decode_signed_json, read_delivery
from app.intake.inbox import StoreUnavailable
from app.web.observability import record_request, request_id_for

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication

    from app.web.services import Services

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "30"
# Mailgun's 25 MB messages plus the form's overhead.
INBOUND_MAX_BYTES = 30 * 1024 * 1024
WEBHOOK = RouteRules("webhooks", max_bytes=1024 * 1024, form_kind=InboxKind.LEGACY_WEBHOOK)
# Mailgun's routes post forms only: JSON there is refused before its body is read, never parsed unsigned.
INBOUND = RouteRules(
    "inbound",
    max_bytes=INBOUND_MAX_BYTES,
    form_kind=InboxKind.INBOUND,
    json_kind=None,
    store_notify_kind=InboxKind.STORE_NOTIFY,
    drain_task=DRAIN_INBOUND,
)
INBOUND_MIME = RouteRules(
    "inbound_mime",
    max_bytes=INBOUND_MAX_BYTES,
    form_kind=InboxKind.INBOUND_MIME,
    json_kind=None,
    drain_task=DRAIN_INBOUND,
)
ROUTES = {
    "/webhooks/mailgun": WEBHOOK,
    "/inbound/mailgun": INBOUND,
    "/inbound/mailgun/mime": INBOUND_MIME,
}


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


# The two answers to an accepted delivery, encoded once rather than on every request.
STORED = Answer(200, b'{"message":"stored"}\n')
ALREADY_STORED = Answer(200, b'{"message":"already stored"}\n')
_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


class Intake:
    """WSGI middleware: the intake routes are answered here, every other request goes on to `app`."""

    def __init__(self, services: Services, app: WSGIApplication) -> None:
        self._services = services
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        rules = ROUTES.get(path)
        if rules is None:
            return self._app(environ, start_response)
        started = time.perf_counter()
        request_id = request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))
        context = request_id_var.set(request_id)  # every log line of this request carries it
        try:
            answer = self._answer(environ, rules, request_id)
        finally:
            request_id_var.reset(context)
        record_request(path, answer.status, started)
        start_response(
            _STATUS_LINES[answer.status],
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(answer.body))),
                ("X-Request-Id", request_id),
                *answer.headers,
            ],
        )
        return [answer.body]

    def _answer(self, environ: dict[str, Any], rules: RouteRules, request_id: str) -> Answer:
        if environ.get("REQUEST_METHOD") != "POST":
            return _error(405, "method_not_allowed", "only POST is allowed here", ("Allow", "POST"))
        try:
            return self._accept(environ, rules, request_id)
        except Exception:  # An answer, and the traceback in the log, whatever went wrong.
            log.exception("intake failed on %s", rules.name)
            return _error(500, "server_error", "the server failed to answer; the error is logged")

    def _accept(self, environ: dict[str, Any], rules: RouteRules, request_id: str) -> Answer:
        """Read, verify, store, wake, answer."""
        try:
            settings = self._services.settings
            delivery = read_delivery(
                environ, rules, request_id, settings.body_deadline_seconds, settings.json_max_depth
            )
        except DeliveryError as exc:
            return _error(exc.status, exc.code, exc.message)
        try:
            delivery = self._verify(delivery)
        except Refused as refused:
            return refused.answer
        except DeliveryError as exc:
            return _error(exc.status, exc.code, exc.message)
        try:
            stored = self._services.inbox_for(delivery).store(delivery)
        except StoreUnavailable as exc:
            log.error("inbox unavailable, answering 503: %s", exc)
            return _error(
                503,
                "store_unavailable",
                "storage is unavailable, retry later",
                ("Retry-After", RETRY_AFTER_SECONDS),
            )
        series(DELIVERIES, rules.name, "stored" if stored else "duplicate").inc()
        if stored:
            self._services.waker.poke(rules.drain_task)
        return STORED if stored else ALREADY_STORED

    def _verify(self, delivery: Delivery) -> Delivery:
        """The delivery, its signature checked; raises Refused. A JSON body is decoded only once one of its
        candidate signature blocks holds: unsigned JSON costs a scan. Then its own top-level block must:
        when it is the block that just held (Mailgun's own bodies have only that one), it is not checked a
        second time."""
        settings = self._services.settings

        def check(signed: SignedParts | None) -> Failure | None:
            keys, max_age = settings.signing_keys, settings.signature_max_age
            return check_signature(signed, keys, now=time.time(), max_age=max_age)

        if delivery.candidates:
            held, first_failure = None, None
            for signed in delivery.candidates:
                candidate_failure = check(signed)
                if candidate_failure is None:
                    held = signed
                    break
                first_failure = first_failure or candidate_failure
            if held is None:
                assert first_failure is not None
                raise _refused(delivery, first_failure)
            delivery = decode_signed_json(delivery, settings.json_max_depth)
            if delivery.signed == held:
                return delivery
        failure = check(delivery.signed)
        if failure is not None:
            raise _refused(delivery, failure)
        return delivery


class Refused(Exception):
    def __init__(self, answer: Answer) -> None:
        self.answer = answer


def _refused(delivery: Delivery, failure: Failure) -> Refused:
    series(SIGNATURE_FAILURES, failure.value).inc()
    log.warning("signature refused on %s: %s", delivery.route, failure.value)
    return Refused(_error(401, f"signature_{failure.value}", f"signature check failed: {failure.value}"))


def _error(status: int, code: str, message: str, *headers: tuple[str, str]) -> Answer:
    return Answer(status, error_body(code, message), headers)
