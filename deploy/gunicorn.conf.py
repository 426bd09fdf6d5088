"""gunicorn settings for the `web` process. Every knob can be set from the environment.

The same file serves the container image, Kubernetes, systemd and `mailhook run`; the numbers below are tied
to the supervisors' stop timeouts in deploy/ (see the comments on graceful_timeout).
"""

import os
import sys
import tempfile
from typing import Any


def _validated_settings() -> Any:
    """A bad setting stops the start here, as one line, before gunicorn imports the app or forks."""
    from app.core.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        sys.stderr.write(f"mailhook: configuration error: {exc}\n")
        sys.exit(2)


def _int(name: str, default: int) -> int:
    """A whole number from the environment, or the same one-line error as a bad mailhook setting."""
    raw = os.environ.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        sys.stderr.write(f"mailhook: configuration error: {name} must be a whole number, got {raw!r}\n")
        sys.exit(2)
    return value


def _default_workers() -> int:
    """One process per core this process may run on, 2 to 8.

    Each process's threads share one interpreter lock, and every delivery's thread sleeps and is woken once
    around its group commit. Measured on 2 cores (`make bench`, the intake against django-anymail in the same
    run): 2 processes of 16 threads took 0.68-0.69 x django-anymail's deliveries per second where 4 of 8
    took 0.51-0.53, with a lower p99: a process's group commit gathers about twice the rows (one statement
    and one WAL flush for more deliveries). The cap keeps a large host from opening dozens of processes (and
    database connections) by default."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(2, min(cores, 8))


_settings = _validated_settings()


def _log_like_the_app() -> None:
    """The master's own lines (the app is preloaded here) in the app's format from the first one."""
    from app.core.logs import configure_logging

    configure_logging(_settings.log_format)


_log_like_the_app()

# Every worker process writes its counters here and /metrics sums them (prometheus_client's multiprocess
# mode). Set before the app, and so prometheus_client, is imported.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="mailhook-metrics-")

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Threads, not processes, carry concurrency: requests are short and I/O bound (one insert each), and a thread
# waiting on a slow 30 MiB upload costs a little memory, not a whole worker process. gthread gives a body
# read no deadline of its own: the intake's MAILHOOK_BODY_DEADLINE_SECONDS (app/intake/body_deadline.py)
# frees a thread held by a client that trickles its body in.
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", _default_workers())
threads = _settings.web_threads  # validated with the other settings: the intake sizes its pool to it
# Idle keep-alive longer than the load balancer's own idle timeout (AWS ALB and nginx upstream keep-alive:
# 60 s), so the balancer always closes first and never sends a request on a connection gunicorn has just
# dropped (that race shows as sporadic 502s). Behind Google Cloud load balancers (600 s) set it to 620.
keepalive = _int("GUNICORN_KEEPALIVE", 75)
# gthread workers heartbeat from their main loop, so this bounds a stuck worker, not a slow request.
timeout = _int("GUNICORN_TIMEOUT", 30)
# After SIGTERM, in-flight requests get this long to finish. Supervisors wait longer before SIGKILL:
# Kubernetes terminationGracePeriodSeconds 45 (5 s preStop + 30 s + margin), compose stop_grace_period 40 s,
# systemd TimeoutStopSec=40.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
backlog = _int("GUNICORN_BACKLOG", 2048)
# X-Forwarded-* is trusted only from these addresses or networks (the load balancers), never from anyone else.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Worker heartbeat files: /dev/shm in containers, where /tmp may sit on a slow overlay filesystem.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
if _settings.log_format == "json":
    # gunicorn's start, stop and access lines as JSON objects too, in the stream the app's own lines share.
    logger_class = "app.web.gunicorn_logging.JsonLogger"
else:
    # Text lines name the request id the app answered with, to find the app's lines for the same request.
    access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'
wsgi_app = "app.web.wsgi:app"
# gunicorn 25.1+ opens a control socket under $HOME by default. The service user has no writable home
# (read-only root in the image, ProtectSystem=strict under systemd), so it would only log an error at every
# start: it is off unless GUNICORN_CONTROL_SOCKET names a path (older gunicorn ignores both settings).
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket
# Import the app once in the master, so a bad setting stops the start before any worker is forked.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"


def post_fork(server: Any, worker: Any) -> None:
    # Each forked worker: its own database connections (never those opened while preloading) and log setup.
    from app.core.db import dispose_engines
    from app.core.logs import configure_logging
    from app.core.settings import load_settings

    dispose_engines()
    configure_logging(load_settings().log_format)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
