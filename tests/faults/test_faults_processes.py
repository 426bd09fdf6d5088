"""Processes killed, reloaded and stopped under load: nothing in flight is lost, nothing is stored twice.

A Celery worker killed with SIGKILL mid-drain rolls its open batch back (its rows are marked done only by the
batch's own transaction, and come back once their claim runs out, the attempt counted); a gunicorn worker
killed mid-request leaves requests unanswered, which Mailgun retries. A
graceful reload (SIGHUP to the gunicorn master) and a warm shutdown (SIGTERM to the Celery worker) fail no
request and settle each batch whole.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Select, func, select

from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from tests.e2e.conftest import Service
from tests.e2e.test_e2e_intake import unique_json_delivery
from tests.faults.conftest import start_web, start_worker
from tests.faults.mailgun_like import Load, MailgunLikeClient, assert_exact_account, pending, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("faults"), pytest.mark.timeout(120)]

BACKLOG = 3000


def children(pid: int) -> list[int]:
    """Direct children of a process, read from /proc (gunicorn's workers, Celery's pool processes)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def count(engine: Engine, query: Select[Any]) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(query) or 0)


def events(engine: Engine) -> int:
    return count(engine, select(func.count()).select_from(Event))


def settled_rows(engine: Engine) -> int:
    return count(engine, select(func.count()).select_from(InboxRow).where(InboxRow.status == "done"))


def post_backlog(service: Service, client: MailgunLikeClient) -> None:
    """A backlog posted with no worker running, so the next worker has several batches to drain."""
    assert all(client.deliver_all([unique_json_delivery() for _ in range(BACKLOG)], concurrency=16))
    assert pending(service_engine(service)) == BACKLOG


_engines: dict[str, Engine] = {}


def service_engine(service: Service) -> Engine:
    from app.core.db import make_engine

    url = service.env["DATABASE_URL"]
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def start_drain_and_wait_for_progress(service: Service, engine: Engine) -> None:
    start_worker(service)
    assert wait_for(lambda: events(engine) > 0, 30, every=0.02), service.logs()[-3000:]


def test_celery_worker_killed_mid_drain_loses_and_duplicates_nothing(
    fault_service: Service, fault_engine: Engine
) -> None:
    start_web(fault_service)
    client = MailgunLikeClient(fault_service.base_url)
    post_backlog(fault_service, client)
    with Load(client):
        start_drain_and_wait_for_progress(fault_service, fault_engine)
        fault_service.stop("worker", signal.SIGKILL)
        left = pending(fault_engine)
        assert left > 0, "the drain finished before the kill: nothing was in flight"
        # What the killed worker committed is settled whole: every done row has its event, no more.
        assert events(fault_engine) == settled_rows(fault_engine)
        start_worker(fault_service)
        time.sleep(2)
    client.close()
    assert_exact_account(fault_engine, client, timeout=45, logs=fault_service.logs)


def test_web_worker_killed_mid_request_loses_and_duplicates_nothing(
    running_service: Service, fault_engine: Engine
) -> None:
    master = running_service.processes["web"].pid
    client = MailgunLikeClient(running_service.base_url)
    with Load(client, threads=8, pause=0):
        # Kill until a kill has cut a request off (an idle worker may be hit); the master forks a new one.
        for _ in range(8):
            time.sleep(1)
            os.kill(children(master)[0], signal.SIGKILL)
            if client.statuses()[0] >= 3:
                break
        time.sleep(2)
    client.close()
    assert len(children(master)) == 2
    # Requests cut off by the kill got no answer; the client posted them again, as Mailgun does.
    assert client.statuses()[0] > 0, "no request was in flight when the workers were killed"
    assert {a.status for a in client.not_ok()} == {0}
    assert_exact_account(fault_engine, client, timeout=40, logs=running_service.logs)


def test_gunicorn_graceful_reload_under_load_fails_no_request(
    running_service: Service, fault_engine: Engine
) -> None:
    master = running_service.processes["web"].pid
    before = children(master)
    client = MailgunLikeClient(running_service.base_url)
    with Load(client, threads=8, pause=0):
        time.sleep(1)
        os.kill(master, signal.SIGHUP)
        assert wait_for(lambda: len(set(children(master)) - set(before)) == 2, 20)
        assert wait_for(lambda: not set(children(master)) & set(before), 20)
        time.sleep(1)
    client.close()
    assert len(client.answers) > 100
    assert client.not_ok() == [], "a graceful reload must not fail a request"
    assert_exact_account(fault_engine, client, timeout=40, logs=running_service.logs)


def test_celery_warm_shutdown_mid_drain_settles_the_batch_whole(
    fault_service: Service, fault_engine: Engine
) -> None:
    start_web(fault_service)
    client = MailgunLikeClient(fault_service.base_url)
    post_backlog(fault_service, client)
    start_drain_and_wait_for_progress(fault_service, fault_engine)
    worker = fault_service.processes["worker"]
    # As a supervisor does: SIGTERM to the main process only; it lets the running task finish its batch.
    os.kill(worker.pid, signal.SIGTERM)
    assert worker.wait(30) == 0
    fault_service.processes.pop("worker")
    # Whatever of its process group outlives the main process (a supervisor stops the whole unit) goes too,
    # or it would run on after the test.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    assert "Warm shutdown" in fault_service.logs()
    assert events(fault_engine) == settled_rows(fault_engine)
    start_worker(fault_service)
    client.close()
    assert_exact_account(fault_engine, client, timeout=40, logs=fault_service.logs)
