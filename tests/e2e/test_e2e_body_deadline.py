"""A body that trickles in holds a gunicorn thread until the body read deadline, then is answered 408:
a real gunicorn worker with two threads and a 3 s deadline, clients sending one byte every 2 s."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.web_process import WebProcess, one_web_process

pytestmark = pytest.mark.e2e

DEADLINE = 3.0


@pytest.fixture
def web(service_env: dict[str, str], tmp_path: Path, db_url_cleanup: None) -> Iterator[WebProcess]:
    env = {**service_env, "GUNICORN_THREADS": "2", "MAILHOOK_BODY_DEADLINE_SECONDS": str(DEADLINE)}
    with one_web_process(env, tmp_path) as running:
        yield running


def trickle(base_url: str, answers: list[tuple[str, float]], chunked: bool = False) -> None:
    """One byte every 2 s of a 1,000-byte form body, until the server answers (or 20 s pass)."""
    host, port = base_url.removeprefix("http://").split(":")
    started = time.monotonic()
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: 1000"
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(
            b"POST /inbound/mailgun HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n" + framing + b"\r\n\r\n"
        )
        sock.settimeout(2)
        answer = b""
        while time.monotonic() - started < 20 and not answer:
            try:
                sock.sendall(b"1\r\na\r\n" if chunked else b"a")
                answer = sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
    answers.append((answer.split(b"\r\n", 1)[0].decode(), time.monotonic() - started))


def test_trickling_bodies_are_answered_408_at_the_deadline_and_free_their_threads(web: WebProcess) -> None:
    answers: list[tuple[str, float]] = []
    clients = [
        threading.Thread(target=trickle, args=(web.base_url, answers, chunked)) for chunked in (False, True)
    ]
    for client in clients:
        client.start()
    time.sleep(1)
    # Both threads of the only worker are reading a body; the next request waits for one of them.
    started = time.monotonic()
    health = httpx.get(web.base_url + "/healthz", timeout=20)
    waited = time.monotonic() - started
    for client in clients:
        client.join()
    print(f"trickling bodies: {answers}; /healthz waited {waited:.1f} s")
    assert health.status_code == 200
    assert waited < DEADLINE + 2
    assert [status for status, _ in answers] == ["HTTP/1.1 408 Request Timeout"] * 2
    assert all(DEADLINE - 0.5 < seconds < DEADLINE + 3 for _, seconds in answers)
