"""The broker and the database fail under load, with real gunicorn and Celery processes on private servers.

Redis down: intake goes on answering 200 (it never needs the broker) and the drain resumes by itself once
Redis is back. Postgres down: intake answers 503 with Retry-After, Mailgun (here the client) retries, and
every process recovers without a restart. /readyz follows both outages.
"""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import Engine

from tests.e2e.conftest import Service
from tests.faults.conftest import PrivatePostgres, PrivateRedis
from tests.faults.mailgun_like import Load, MailgunLikeClient, assert_exact_account, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("faults"), pytest.mark.timeout(120)]


def readiness(service: Service) -> tuple[int, dict[str, bool]]:
    try:
        response = httpx.get(service.base_url + "/readyz", timeout=5)
    except httpx.HTTPError:
        return 0, {}
    return response.status_code, response.json().get("checks", {})


def test_redis_killed_and_restarted_during_load(
    running_service: Service, private_redis: PrivateRedis, fault_engine: Engine
) -> None:
    client = MailgunLikeClient(running_service.base_url)
    with Load(client):
        time.sleep(1.5)
        private_redis.kill()
        killed_at = time.monotonic()
        assert wait_for(lambda: readiness(running_service) == (503, {"database": True, "broker": False}), 10)
        time.sleep(3)
        private_redis.start()
        restarted_at = time.monotonic()
        assert wait_for(lambda: readiness(running_service)[0] == 200, 15)
        time.sleep(1.5)
    client.close()
    during = [a for a in client.answers if killed_at <= a.at <= restarted_at]
    assert len(during) > 20, "the load did not run through the outage"
    assert client.not_ok() == [], "intake must answer 200 while the broker is down"
    # The wake-ups published during the outage were lost with Redis: the sweeper re-finds the rows.
    assert_exact_account(fault_engine, client, timeout=40, logs=running_service.logs)


def test_postgres_stopped_and_started_during_load(
    running_service: Service, private_postgres: PrivatePostgres, fault_engine: Engine
) -> None:
    client = MailgunLikeClient(running_service.base_url)
    with Load(client):
        time.sleep(1.5)
        private_postgres.stop()
        assert wait_for(lambda: readiness(running_service) == (503, {"database": False, "broker": True}), 10)
        time.sleep(3)
        private_postgres.start()
        assert wait_for(lambda: readiness(running_service)[0] == 200, 20)
        time.sleep(2)
    client.close()
    refused = client.not_ok()
    assert refused, "no delivery met the outage"
    # Every refusal is a 503 that tells Mailgun when to come back; none is a connection failure or a 500.
    assert {(a.status, a.retry_after) for a in refused} == {(503, "30")}
    assert {a.event_id for a in refused} <= client.accepted
    processes = running_service.processes
    assert all(p.poll() is None for p in processes.values()), "a process died"
    assert_exact_account(fault_engine, client, timeout=40, logs=running_service.logs)
