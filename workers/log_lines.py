"""In JSON mode the worker writes nothing but JSON lines: Celery's few bare prints become log records.

Celery prints "worker: Warm shutdown (MainProcess)" straight to the process's stdout from its SIGTERM
handler, and warns through `warnings` before its logging is set up. A log pipeline that reads the stream
would see those as unparseable text, so in JSON mode the handlers are installed again without their print
(celery.apps.worker's own installers, with `verbose=False`) and the shutdown is logged as a record instead.
The banners are left to `celery --quiet`, which every shipped command passes.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("workers.lifecycle")


def log_shutdown_instead_of_printing(worker: Any) -> None:
    """Re-install the worker's TERM and QUIT handlers without their bare print (after Celery's own)."""
    from celery.apps import worker as celery_worker

    celery_worker.install_worker_term_handler(worker, verbose=False)
    celery_worker.install_worker_term_hard_handler(worker, verbose=False)


def log_shutting_down(how: str, sig: str) -> None:
    # Celery's own words ("worker: Warm shutdown (MainProcess)"), which runbooks and tests search for.
    log.info("worker: %s shutdown (MainProcess)", how, extra={"shutdown": how.lower(), "signal": sig})
