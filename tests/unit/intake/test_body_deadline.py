"""The body read deadline: a watched read blocked on a silent socket ends at the deadline, and a read that
finished in time leaves its socket alone."""

from __future__ import annotations

import socket
import time

import pytest

from app.core.settings import DEFAULT_BODY_DEADLINE_SECONDS, SettingsError, load_settings
from app.intake.body_deadline import BodyDeadlines


def test_a_blocked_read_ends_at_the_deadline() -> None:
    deadlines = BodyDeadlines()
    server, client = socket.socketpair()
    with server, client:
        client.sendall(b"a")
        started = time.monotonic()
        with deadlines.watch(server, 0.3) as watch:
            received = [server.recv(10), server.recv(10)]  # the second waits for a byte that never comes
        assert (received, watch.expired) == ([b"a", b""], True)
        assert 0.25 < time.monotonic() - started < 2


def test_a_read_done_in_time_leaves_the_socket_alone() -> None:
    deadlines = BodyDeadlines()
    server, client = socket.socketpair()
    with server, client:
        with deadlines.watch(server, 0.2) as watch:
            client.sendall(b"a")
            assert server.recv(10) == b"a"
        time.sleep(0.4)
        assert not watch.expired
        client.sendall(b"b")  # still readable: the next request on the connection
        assert server.recv(10) == b"b"


def test_without_a_socket_there_is_no_deadline() -> None:
    with BodyDeadlines().watch(None, 0.01) as watch:
        time.sleep(0.05)
    assert not watch.expired


def test_the_deadline_setting() -> None:
    assert load_settings({}).body_deadline_seconds == DEFAULT_BODY_DEADLINE_SECONDS == 30.0
    assert load_settings({"MAILHOOK_BODY_DEADLINE_SECONDS": "2.5"}).body_deadline_seconds == 2.5
    for bad in ("0", "-1", "soon", "inf"):
        with pytest.raises(SettingsError, match="MAILHOOK_BODY_DEADLINE_SECONDS"):
            load_settings({"MAILHOOK_BODY_DEADLINE_SECONDS": bad})


def test_a_sooner_deadline_added_while_a_later_one_waits_still_trips_on_time() -> None:
    """The watchdog is woken only for a deadline sooner than the one it waits for; that one must be."""
    deadlines = BodyDeadlines()
    slow_server, slow_client = socket.socketpair()
    fast_server, fast_client = socket.socketpair()
    with slow_server, slow_client, fast_server, fast_client, deadlines.watch(slow_server, 30) as slow:
        started = time.monotonic()
        with deadlines.watch(fast_server, 0.3) as fast:
            assert fast_server.recv(10) == b""  # ended by the deadline, not by the peer
        assert fast.expired and 0.25 < time.monotonic() - started < 2
        assert not slow.expired


def test_many_bodies_in_a_row_wake_the_watchdog_once() -> None:
    """One cross-thread wake-up per idle period, not one per request: the cost that used to dominate."""
    deadlines = BodyDeadlines()
    wakes = 0
    real_notify = deadlines._changed.notify

    def counting_notify(n: int = 1) -> None:
        nonlocal wakes
        wakes += 1
        real_notify(n)

    deadlines._changed.notify = counting_notify  # type: ignore[method-assign]
    server, client = socket.socketpair()
    with server, client, deadlines.watch(server, 30):  # a body being read all along, as under load
        for _ in range(100):
            with deadlines.watch(server, 30):
                pass
    assert wakes == 1
