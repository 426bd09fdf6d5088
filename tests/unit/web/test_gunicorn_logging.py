"""gunicorn's access line as fields: the request id the app answered with, never the query string."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from types import SimpleNamespace

from app.core.logs import JsonFormatter, RequestIdFilter
from app.web.gunicorn_logging import access_fields


def response(status: str = "200 OK", sent: int = 17) -> SimpleNamespace:
    return SimpleNamespace(
        status=status, sent=sent, headers=[("Content-Type", "text/plain"), ("X-Request-Id", "rid-1")]
    )


ENVIRON = {
    "REQUEST_METHOD": "POST",
    "PATH_INFO": "/webhooks/mailgun",
    "QUERY_STRING": "token=do-not-log-me",
    "REMOTE_ADDR": "10.0.0.9",
    "HTTP_USER_AGENT": "mailgun/treq-16.12.0",
}


def test_access_fields_name_the_request_and_its_answer() -> None:
    fields = access_fields(response(), ENVIRON, timedelta(milliseconds=12, microseconds=500))
    assert fields == {
        "request_id": "rid-1",
        "method": "POST",
        "path": "/webhooks/mailgun",
        "status": 200,
        "duration_ms": 12.5,
        "size": 17,
        "remote_addr": "10.0.0.9",
        "user_agent": "mailgun/treq-16.12.0",
    }


def test_the_access_line_is_one_json_object_without_the_query_string() -> None:
    fields = access_fields(response("404 NOT FOUND"), ENVIRON, timedelta(seconds=1))
    made = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%s %s %s", ("POST", "/x", 404), None
    )
    made.__dict__.update(fields)
    RequestIdFilter().filter(made)
    line = json.loads(JsonFormatter().format(made))
    assert line["status"] == 404 and line["request_id"] == "rid-1" and line["duration_ms"] == 1000.0
    assert "do-not-log-me" not in json.dumps(line)


def test_a_response_without_a_request_id_logs_none() -> None:
    answer = SimpleNamespace(status="500 INTERNAL SERVER ERROR", sent=None, headers=[])
    fields = access_fields(answer, ENVIRON, timedelta(0))
    assert fields["request_id"] is None and fields["status"] == 500 and fields["size"] is None
