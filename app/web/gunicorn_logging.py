"""gunicorn's own lines in the app's format: in JSON mode, the error log and each access line are one JSON
object, so a log pipeline reads one stream of web output without a second parser.

Named by `logger_class` in deploy/gunicorn.conf.py. An access line is a record with fields, not a formatted
string: `request_id` (the X-Request-Id the app answered with, so a line joins the app's own lines for the same
delivery), `method`, `path`, `status`, `duration_ms` and `size`. The query string is left out: a mistaken
client could put a credential there, and nothing an operator asks of an access line needs it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

from app.core.logs import JsonFormatter, RequestIdFilter


class JsonLogger(Logger):
    """gunicorn's Logger with JSON lines for its error and access logs."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())
                handler.addFilter(RequestIdFilter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        fields = access_fields(resp, environ, request_time)
        self.access_log.info("%s %s %s", fields["method"], fields["path"], fields["status"], extra=fields)


def access_fields(resp: Any, environ: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
    status = resp.status
    if isinstance(status, str):
        status = status.split(None, 1)[0]
    return {
        "request_id": _response_header(resp, "x-request-id"),
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "status": int(status) if str(status).isdigit() else status,
        "duration_ms": round(request_time.total_seconds() * 1000, 3),
        "size": getattr(resp, "sent", None),
        "remote_addr": environ.get("REMOTE_ADDR"),
        "user_agent": environ.get("HTTP_USER_AGENT"),
    }


def _response_header(resp: Any, name: str) -> str | None:
    for key, value in getattr(resp, "headers", None) or ():
        if key.lower() == name:
            return str(value)
    return None
