"""Celery signal handlers: the web request's id travels in task headers, logs are configured once per worker.

Request ids follow the GOV.UK Notify pattern: added to the headers when a task is published from a request
(or from a task that had one), restored into the logging context when the task runs.

Nothing is connected at import: `connect_signals` does it, called by the process set-up in workers/celery.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from celery.signals import (
    beat_init,
    before_task_publish,
    setup_logging,
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_init,
)
from celery.utils.dispatch import Signal

from app.core.db import dispose_engines
from app.core.logs import configure_logging, request_id_var
from app.core.settings import Settings

HEADER = "mailhook_request_id"


def _carry_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id and HEADER not in headers:
        headers[HEADER] = request_id


def _restore_request_id(task: Any = None, **_: Any) -> None:
    request_id = getattr(getattr(task, "request", None), HEADER, None)
    request_id_var.set(request_id if isinstance(request_id, str) else None)


def _forget_request_id(**_: Any) -> None:
    request_id_var.set(None)


def _serve_worker_metrics(**_: Any) -> None:
    """Workers have no HTTP server of their own: with MAILHOOK_WORKER_METRICS_PORT set, they get one."""
    port = os.environ.get("MAILHOOK_WORKER_METRICS_PORT", "").strip()
    if not port:
        return
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    start_http_server(int(port), registry=registry)


def _fresh_connections_after_fork(**_: Any) -> None:
    dispose_engines()


def connect_signals(settings: Settings) -> None:
    """Connect every handler of a worker or beat process, with the settings its app is made with; connecting
    again connects nothing more."""
    # Imported here: the task modules load prometheus_client, which must come after the metrics directory.
    from workers.sync.tasks import refresh_lists_at_start

    def _configure_logging(**_: Any) -> None:
        configure_logging(settings.log_format)

    handlers: list[tuple[Signal, Callable[..., None]]] = [
        (before_task_publish, _carry_request_id),
        (task_prerun, _restore_request_id),
        (task_postrun, _forget_request_id),
        (setup_logging, _configure_logging),
        (worker_init, _serve_worker_metrics),
        (worker_process_init, _fresh_connections_after_fork),
        (beat_init, refresh_lists_at_start),
    ]
    for signal, handler in handlers:
        signal.connect(handler, weak=False, dispatch_uid=f"mailhook:{handler.__module__}.{handler.__name__}")
