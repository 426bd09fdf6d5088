"""Celery signal handlers: the web request's id travels in task headers, logs are configured once per worker.

Request ids follow the GOV.UK Notify pattern: added to the headers when a task is published from a request
(or from a task that had one), restored into the logging context when the task runs.

Nothing is connected at import: `connect_signals` does it, called by the process set-up in workers/celery.py.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from celery.signals import (
    beat_init,
    before_task_publish,
    celeryd_init,
    setup_logging,
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_init,
    worker_ready,
    worker_shutting_down,
)
from celery.utils.dispatch import Signal

from app.core.db import dispose_engines
from app.core.logs import configure_logging, request_id_var
from app.core.settings import Settings
from workers.log_lines import log_shutdown_instead_of_printing, log_shutting_down

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


def _set_up_forked_process(**_: Any) -> None:
    """A pool process just forked: its own database connections, and what it holds once started (modules,
    the app, the models: hundreds of thousands of objects, none of them garbage) left out of every later
    garbage collection. A drain allocates a batch's worth of containers at a time, and the collections they
    set off walked all of it: 40% of a draining process's CPU, sampled (py-spy --native) under
    bench/pipeline.py."""
    dispose_engines()
    gc.freeze()


def _log_shutdown(how: str = "", sig: str = "", **_: Any) -> None:
    log_shutting_down(how, sig)


def _handlers(settings: Settings) -> list[tuple[Signal, Callable[..., None]]]:
    # Imported here: the task modules load prometheus_client, which must come after the metrics directory.
    from workers.sync.tasks import refresh_lists_at_start

    def _configure_logging(**_: Any) -> None:
        configure_logging(settings.log_format)

    def _serve_worker_metrics(**_: Any) -> None:
        """Workers have no HTTP server of their own: with MAILHOOK_WORKER_METRICS_PORT set, they get one."""
        from app.core.metrics import start_at_zero, worker_registry
        from app.core.models.inbox_vocab import InboxKind

        start_at_zero(InboxKind)
        if settings.worker_metrics_port is None:
            return
        from prometheus_client import start_http_server

        start_http_server(settings.worker_metrics_port, registry=worker_registry())

    def _no_bare_prints_in_json(sender: Any = None, **_: Any) -> None:
        if settings.log_format == "json" and sender is not None:
            log_shutdown_instead_of_printing(sender.controller)

    return [
        (before_task_publish, _carry_request_id),
        (task_prerun, _restore_request_id),
        (task_postrun, _forget_request_id),
        (setup_logging, _configure_logging),
        # Before Celery checks privileges (and may warn): that warning is a log line like the rest.
        (celeryd_init, _configure_logging),
        (worker_init, _serve_worker_metrics),
        (worker_ready, _no_bare_prints_in_json),
        (worker_shutting_down, _log_shutdown),
        (worker_process_init, _set_up_forked_process),
        (beat_init, refresh_lists_at_start),
    ]


def connect_signals(settings: Settings) -> None:
    """Connect every handler of a worker or beat process, with the settings its app is made with; connecting
    again connects nothing more."""
    for signal, handler in _handlers(settings):
        uid = f"mailhook:{handler.__module__}.{handler.__qualname__}:{signal.name}"
        signal.connect(handler, weak=False, dispatch_uid=uid)
