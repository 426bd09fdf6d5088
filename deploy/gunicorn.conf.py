"""gunicorn settings for the `web` process. Every knob can be set from the environment."""

import os
import sys
import tempfile

# Load-balancer friendly: keep idle connections longer than common LB idle timeouts (AWS ALB 60 s, GCP 600 s
# is set on its side), so the LB never reuses a connection gunicorn has just closed.
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
# X-Forwarded-* is trusted only from these addresses (the load balancers), never from the internet.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
wsgi_app = "app.wsgi:app"
# Import the app once in the master, so a bad setting stops the start before any worker is forked.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"


def _validate_settings() -> None:
    """A bad setting stops the start here, as one line, before gunicorn imports the app or forks."""
    from app.settings import SettingsError, load_settings

    try:
        load_settings()
    except SettingsError as exc:
        sys.stderr.write(f"mailhook: configuration error: {exc}\n")
        sys.exit(2)


_validate_settings()

# Every worker process writes its counters here and /metrics sums them (prometheus_client's multiprocess
# mode). Set before the app, and so prometheus_client, is imported.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="mailhook-metrics-")


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    from app.db import dispose_engines
    from app.logs import configure_logging
    from app.settings import load_settings

    dispose_engines()
    configure_logging(load_settings().log_format)


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
