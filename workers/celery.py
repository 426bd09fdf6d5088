"""The Celery app: queues, beat schedule and the reliability settings every task relies on.

Every task is idempotent (the database's unique keys absorb repeats), so tasks are acknowledged late and
redelivered when a worker dies; correctness never rests on the broker, the inbox sweeper re-finds any work.

Importing this module does nothing: no environment variable, no signal, no exit. A worker or beat process is
set up by `set_up_process`, which Celery's `-A workers.celery` reaches by asking for the module's `app`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from functools import cache
from typing import Any

from celery import Celery
from celery.schedules import crontab

from app.core.broker import VISIBILITY_TIMEOUT_SECONDS, celery_config
from app.core.regions import REGIONS
from app.core.settings import Settings, SettingsError, load_settings
from app.core.task_names import (
    CREATE_PARTITIONS,
    DRAIN_TASKS,
    POLL_EVENTS,
    PURGE_EXPIRED,
    PUSH_SUBSCRIPTIONS,
    PUSH_SYNC,
    QUEUE_DEFAULT,
    QUEUE_INBOX,
    REFRESH_LISTS,
    SORT_PARTITIONS,
    SWEEP_INBOX,
    SWEEP_STORED_FETCHES,
)
from workers.settings import attach_settings
from workers.signals import connect_signals

SWEEP_EVERY_SECONDS = 10.0
SWEEP_FETCHES_EVERY_SECONDS = 300.0
# Hard ceiling per task, well under the broker's visibility timeout so a redelivery never races a live task.
TASK_TIME_LIMIT_SECONDS = 600
assert TASK_TIME_LIMIT_SECONDS < VISIBILITY_TIMEOUT_SECONDS

MIN_WORKER_PROCESSES = 2

TASK_MODULES = ["workers.events.drain", "workers.inbound.tasks", "workers.sync.tasks"]
TASK_MODULES += ["workers.poll.reconcile", "workers.ops.retention", "workers.push.tasks"]
TASK_MODULES += ["workers.ops.partitions_ahead", "workers.ops.partition_sort"]


def create_celery(settings: Settings | None = None) -> Celery:
    settings = settings or load_settings()
    app = Celery("mailhook", include=TASK_MODULES)
    app.conf.update(celery_config(settings))
    app.conf.update(_reliability(settings))
    app.conf.beat_schedule = beat_schedule(settings)
    attach_settings(app, settings)
    return app


def _reliability(settings: Settings) -> dict[str, Any]:
    return {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # At least two processes even on one CPU: inbound mail holds at most one while it is parsed
        # (workers/events/drain.py), and the tracking events keep the other. --concurrency still decides.
        "worker_concurrency": max(MIN_WORKER_PROCESSES, os.cpu_count() or 1),
        "task_time_limit": TASK_TIME_LIMIT_SECONDS,
        "task_soft_time_limit": TASK_TIME_LIMIT_SECONDS - 30,
        "task_default_queue": QUEUE_DEFAULT,
        "task_routes": {task: {"queue": QUEUE_INBOX} for task in (*DRAIN_TASKS, SWEEP_INBOX)},
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
        **_push_schedule(settings or Settings()),
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
        # The next period's partition of `events` exists a period ahead; four runs a day leave room for
        # several missed ones before an event would land in the default partition.
        "create-partitions": {
            "task": CREATE_PARTITIONS,
            "schedule": crontab(hour="*/6", minute=7),
            "options": {"expires": 3600},
        },
        # One closed partition rewritten in recipient order per run and database, while any is left.
        "sort-partitions": {
            "task": SORT_PARTITIONS,
            "schedule": crontab(minute=37),
            "options": {"expires": 3000},
        },
    }


def _push_schedule(settings: Settings) -> dict[str, Any]:
    """Hand out the due push subscriptions often: a retry is due seconds after a failure, and new events wait
    for the next hand-out."""
    every = settings.push.interval
    return {
        "push-subscriptions": {
            "task": PUSH_SUBSCRIPTIONS,
            "schedule": every,
            "options": {"expires": max(10.0, every)},
        }
    }


def set_up_process(settings: Settings | None = None) -> Celery:
    """What a worker or beat process needs before its first task, then its app.

    Prefork children write their counters to one directory for a scrape to sum: it is chosen before
    prometheus_client is first imported (by the task modules, which Celery imports after this). Then the
    signal handlers are connected. Celery's `-A workers.celery` reaches this through the module's `app`.
    """
    settings = settings or load_settings()
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="mailhook-metrics-")
    connect_signals(settings)
    return create_celery(settings)


def _set_up_or_exit() -> Celery:
    try:
        return set_up_process()
    except SettingsError as exc:  # One clear line, not a traceback from inside Celery's loader.
        sys.exit(f"mailhook: configuration error: {exc}")


@cache
def _process_app() -> Celery:
    return _set_up_or_exit()


def __getattr__(name: str) -> Any:
    """`app`: the process's Celery app, set up on first use. Celery's `-A workers.celery` looks it up, so the
    process is set up when a worker or beat starts, and never by an import."""
    if name == "app":
        return _process_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
