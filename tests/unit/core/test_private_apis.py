"""The private attributes of libraries that mailhook relies on are still there, with the shape it expects.

pyproject.toml bounds these libraries above; when a new release is allowed in, this file is the first thing
to fail if the private piece moved, instead of the worker silently losing its counters or its reconnects.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

from kombu.transport import redis as kombu_redis
from prometheus_client import REGISTRY

from app.core.redis_transport import Channel


def test_kombu_redis_channel_still_builds_connection_parameters_in_connparams() -> None:
    parameters = inspect.signature(kombu_redis.Channel._connparams).parameters
    assert list(parameters) == ["self", "asynchronous"]
    assert parameters["asynchronous"].default is False
    # Ours overrides it: the name must be the one kombu calls.
    assert Channel._connparams is not kombu_redis.Channel._connparams
    assert "_connparams(" in inspect.getsource(kombu_redis.Channel._create_client) + inspect.getsource(
        kombu_redis.Channel
    )


def test_the_default_registry_still_keeps_its_collectors_in_collector_to_names() -> None:
    collectors = REGISTRY._collector_to_names
    assert isinstance(collectors, dict) and collectors, "no collectors found where app.core.metrics looks"


def test_prometheus_values_still_tell_whether_they_live_in_files(tmp_path: object) -> None:
    probe = "from prometheus_client import values; print(getattr(values.ValueClass, '_multiprocess', None))"
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    in_memory = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    in_files = subprocess.run(
        [sys.executable, "-c", probe],
        env={**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert in_files.stdout.strip() == "True"
    assert in_memory.stdout.strip() in ("False", "None")
