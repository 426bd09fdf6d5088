"""kombu's Redis transport, made safe to close after the broker connection was lost.

When Redis goes away under load, the worker's consumer closes its connection and reconnects. kombu 5.7
closes the channel after the connection object has already dropped its client, and the channel's last
duties (restoring unacknowledged messages, acknowledging a finished task) then build a new connection pool
from `self.connection.client`, which is None: an AttributeError that Celery treats as unrecoverable, and
the worker process exits. Here the channel remembers the parameters it connected with, so those duties
reach Redis again when it is back, or fail with a broker connection error that Celery already handles.
Nothing depends on that last restore: unacknowledged messages come back after the visibility timeout, and
the inbox sweeper re-finds every pending row.
"""

from __future__ import annotations

from typing import Any

import redis.exceptions
from kombu.transport import redis as kombu_redis

# What Celery's `broker_transport` names so that every Redis connection uses this transport.
TRANSPORT = "app.core.redis_transport:Transport"


class Channel(kombu_redis.Channel):
    _remembered_connparams: dict[bool, dict[str, Any]]

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        remembered = self.__dict__.setdefault("_remembered_connparams", {})
        transport = self.connection
        if transport is not None and transport.client is not None:
            params: dict[str, Any] = super()._connparams(asynchronous=asynchronous)
            remembered[asynchronous] = dict(params)
            return params
        if asynchronous in remembered:
            return dict(remembered[asynchronous])
        raise redis.exceptions.ConnectionError("the broker connection is closed")


class Transport(kombu_redis.Transport):
    Channel = Channel
