"""Logging: JSON lines in production, readable text in development, a request id on every line.

The request id comes from the caller's X-Request-Id (or is made up), is echoed in the response, stored with
the inbox row, and carried into Celery tasks in their headers, so one delivery can be followed end to end.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import random
import sys
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


# Request ids are trace ids, not secrets: 128 bits from a generator of our own (seeded from the OS, again in
# every forked worker, and out of reach of anything that seeds the shared `random`), in uuid4's hex form,
# without uuid4's system call per request.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)


def new_request_id() -> str:
    return f"{_ids.getrandbits(128):032x}"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # A record that names its own request (gunicorn's access line, after the request) keeps it.
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


# Every attribute a bare LogRecord has; anything else on a record came from `extra=` and is kept in the line.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "process": record.process,
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(fmt: str = "json", level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Celery's process pool (billiard) logs under "multiprocessing" without propagating: with no handler of
    # its own, Python would write its lines ("Process ... exited with ...") bare, outside the format.
    pool = logging.getLogger("multiprocessing")
    pool.handlers[:] = [handler]
    # Python's warnings (deprecations from libraries at start) are written as log lines too, not as bare text.
    logging.captureWarnings(True)
