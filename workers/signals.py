"""Celery signal handlers: the web request's id travels in task headers, logs are configured once per worker.

Request ids follow the GOV.UK Notify pattern: added to the headers when a task is published from a request
(or from a task that had one), restored into the logging context when the task runs.
"""

from __future__ import annotations

from typing import Any

from celery.signals import (
    before_task_publish,
    celeryd_init,
    setup_logging,
    task_postrun,
    task_prerun,
    worker_init,
    worker_ready,
    worker_shutting_down,
)

from app.core.logs import configure_logging, request_id_var
from workers.log_lines import log_shutdown_instead_of_printing, log_shutting_down

HEADER = "mailhook_request_id"


@before_task_publish.connect
def _carry_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id and HEADER not in headers:
        headers[HEADER] = request_id


@task_prerun.connect
def _restore_request_id(task: Any = None, **_: Any) -> None:
    request_id = getattr(getattr(task, "request", None), HEADER, None)
    request_id_var.set(request_id if isinstance(request_id, str) else None)


@task_postrun.connect
def _forget_request_id(**_: Any) -> None:
    request_id_var.set(None)


@setup_logging.connect
def _configure_logging(**_: Any) -> None:
    from app.core.settings import load_settings

    configure_logging(load_settings().log_format)


@celeryd_init.connect
def _log_from_the_start(**_: Any) -> None:
    """Before Celery checks privileges (and may warn): that warning is a log line like the rest."""
    _configure_logging()


@worker_ready.connect
def _no_bare_prints_in_json(sender: Any = None, **_: Any) -> None:
    from app.core.settings import load_settings

    if load_settings().log_format == "json" and sender is not None:
        log_shutdown_instead_of_printing(sender.controller)


@worker_shutting_down.connect
def _log_shutdown(how: str = "", sig: str = "", **_: Any) -> None:
    log_shutting_down(how, sig)


@worker_init.connect
def _serve_worker_metrics(**_: Any) -> None:
    """Workers have no HTTP server of their own: with MAILHOOK_WORKER_METRICS_PORT set, they get one."""
    from app.core.metrics import start_at_zero, worker_registry
    from app.core.models.inbox_vocab import InboxKind
    from app.core.settings import load_settings

    start_at_zero(InboxKind)
    port = load_settings().worker_metrics_port
    if port is None:
        return
    from prometheus_client import start_http_server

    start_http_server(port, registry=worker_registry())
