"""Broker settings shared by the Celery workers and the web's wake-up publisher.

With REDIS_URL unset, the embedded default is kombu's filesystem transport under `var/broker`: no server to
install, and web and worker processes on one machine share it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from app.core.redis_transport import TRANSPORT as REDIS_TRANSPORT
from app.core.settings import Settings

# Longer than any task can run, so Redis never hands a running task to a second worker.
VISIBILITY_TIMEOUT_SECONDS = 3600
# A publish must never hang: the request path never waits on it, and the sweeper catches up anyway.
BROKER_SOCKET_TIMEOUT_SECONDS = 2.0


def broker_url(settings: Settings) -> str:
    return settings.redis_url or "filesystem://"


def broker_transport_options(settings: Settings) -> dict[str, Any]:
    if settings.redis_url:
        return {
            "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
            "socket_timeout": BROKER_SOCKET_TIMEOUT_SECONDS,
            "socket_connect_timeout": BROKER_SOCKET_TIMEOUT_SECONDS,
            "retry_on_timeout": True,
            "health_check_interval": 25,
            **({"global_keyprefix": settings.queue_prefix} if settings.queue_prefix else {}),
        }
    queue_dir = _ensure_dir(Path(settings.broker_dir) / "queue")
    return {
        "data_folder_in": str(queue_dir),
        "data_folder_out": str(queue_dir),
        "control_folder": str(_ensure_dir(Path(settings.broker_dir) / "control")),
        "store_processed": False,
    }


def celery_config(settings: Settings) -> dict[str, Any]:
    """The settings both sides need to agree on: where messages go and how a publish behaves."""
    return {
        "broker_url": broker_url(settings),
        # The filesystem transport comes from the URL; Redis gets the variant that survives a lost server.
        "broker_transport": REDIS_TRANSPORT if settings.redis_url else None,
        "broker_transport_options": broker_transport_options(settings),
        "broker_connection_timeout": BROKER_SOCKET_TIMEOUT_SECONDS,
        "broker_connection_retry_on_startup": True,
        "task_publish_retry": True,
        "task_publish_retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "result_backend": None,
    }


def broker_reachable(settings: Settings) -> bool:
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()
    try:
        return os.access(_ensure_dir(Path(settings.broker_dir) / "queue"), os.W_OK)
    except OSError:
        return False


def _ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
