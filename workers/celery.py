"""The Celery app: queues, beat schedule and the reliability settings every task relies on.

Every task is idempotent (the database's unique keys absorb repeats), so tasks are acknowledged late and
redelivered when a worker dies; correctness never rests on the broker, the inbox sweeper re-finds any work.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

# Prefork children write their counters here for one scrape to sum; set before prometheus_client is imported.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="mailhook-metrics-")

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_init

import workers.signals  # noqa: F401 - connects the request-id and logging signal handlers
from app.core.broker import VISIBILITY_TIMEOUT_SECONDS, celery_config
from app.core.db import dispose_engines
from app.core.regions import REGIONS
from app.core.settings import Settings, SettingsError, load_settings
from app.core.task_names import (
    DRAIN_INBOX,
    POLL_EVENTS,
    PURGE_EXPIRED,
    PUSH_SYNC,
    QUEUE_DEFAULT,
    QUEUE_INBOX,
    REFRESH_LISTS,
    SWEEP_INBOX,
    SWEEP_STORED_FETCHES,
)

SWEEP_EVERY_SECONDS = 10.0
SWEEP_FETCHES_EVERY_SECONDS = 300.0
# Hard ceiling per task, well under the broker's visibility timeout so a redelivery never races a live task.
TASK_TIME_LIMIT_SECONDS = 600
assert TASK_TIME_LIMIT_SECONDS < VISIBILITY_TIMEOUT_SECONDS

TASK_MODULES = ["workers.events.drain", "workers.inbound.tasks", "workers.sync.tasks"]
TASK_MODULES += ["workers.poll.reconcile", "workers.ops.retention"]


def create_celery(settings: Settings | None = None) -> Celery:
    settings = settings or load_settings()
    app = Celery("mailhook", include=TASK_MODULES)
    app.conf.update(celery_config(settings))
    app.conf.update(_reliability(settings))
    app.conf.beat_schedule = beat_schedule(settings)
    app.conf.mailhook_settings = settings
    return app


def _reliability(settings: Settings) -> dict[str, Any]:
    return {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": TASK_TIME_LIMIT_SECONDS,
        "task_soft_time_limit": TASK_TIME_LIMIT_SECONDS - 30,
        "task_default_queue": QUEUE_DEFAULT,
        "task_routes": {DRAIN_INBOX: {"queue": QUEUE_INBOX}, SWEEP_INBOX: {"queue": QUEUE_INBOX}},
        "broker_connection_max_retries": None,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_hijack_root_logger": False,
        # The filesystem broker has no fan-out: remote control would only log errors there.
        "worker_enable_remote_control": bool(settings.redis_url),
        "timezone": "UTC",
    }


def beat_schedule(settings: Settings | None = None) -> dict[str, Any]:
    return {
        **_sync_schedule(settings or Settings()),
        **_reconcile_schedule(settings or Settings()),
        "sweep-inbox": {"task": SWEEP_INBOX, "schedule": SWEEP_EVERY_SECONDS, "options": {"expires": 60}},
        "sweep-stored-fetches": {
            "task": SWEEP_STORED_FETCHES,
            "schedule": SWEEP_FETCHES_EVERY_SECONDS,
            "options": {"expires": 300},
        },
    }


def _sync_schedule(settings: Settings) -> dict[str, Any]:
    """Per region: push due outbox rows often, refresh the mailing-list mirror now and then."""
    push, refresh = settings.sync.push_interval, float(settings.sync.list_refresh_seconds)
    schedule: dict[str, Any] = {}
    for region in REGIONS:
        schedule[f"push-sync-{region}"] = {
            "task": PUSH_SYNC,
            "schedule": push,
            "args": (region,),
            "options": {"expires": max(60.0, push)},
        }
        schedule[f"refresh-lists-{region}"] = {
            "task": REFRESH_LISTS,
            "schedule": refresh,
            "args": (region,),
            "options": {"expires": refresh},
        }
    return schedule


def _reconcile_schedule(settings: Settings) -> dict[str, Any]:
    """Poll the Events API for what the webhooks missed; apply retention once a day, off-peak."""
    poll = settings.poll.interval
    return {
        "poll-events": {"task": POLL_EVENTS, "schedule": poll, "options": {"expires": max(60.0, poll)}},
        "purge-expired": {
            "task": PURGE_EXPIRED,
            "schedule": crontab(hour=3, minute=17),
            "options": {"expires": 3600},
        },
    }


@worker_process_init.connect
def _fresh_connections_after_fork(**_: Any) -> None:
    dispose_engines()


def task_settings(app: Celery) -> Settings:
    return app.conf.mailhook_settings


def _celery_or_exit() -> Celery:
    try:
        return create_celery()
    except SettingsError as exc:  # One clear line, not a traceback from inside Celery's loader.
        sys.exit(f"mailhook: configuration error: {exc}")


celery_app = _celery_or_exit()
app = celery_app
