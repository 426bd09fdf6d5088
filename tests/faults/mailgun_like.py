"""A client that delivers webhooks the way Mailgun does, and the exact account the fault tests end with.

Mailgun posts each event once and, on any answer but 200 (or no answer at all), posts the very same body and
signature again later. The client records every answer, retries until 200 or a deadline, and the account
then checks: each event answered 200 is stored exactly once, and nothing else is stored.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import orjson
from sqlalchemy import Engine, func, select

from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from tests.e2e.test_e2e_intake import unique_json_delivery

# Much shorter than the Retry-After the service asks for: the tests compress Mailgun's schedule.
RETRY_PAUSE_SECONDS = 0.25
JSON = {"Content-Type": "application/json"}


@dataclass
class Answer:
    event_id: str
    status: int  # 0: no answer (connection refused, reset or timed out)
    retry_after: str | None
    at: float


def event_id_of(body: bytes) -> str:
    return str(orjson.loads(body)["event-data"]["id"])


@dataclass
class MailgunLikeClient:
    base_url: str
    deadline_seconds: float = 45.0
    answers: list[Answer] = field(default_factory=list)
    posted: set[str] = field(default_factory=set)
    accepted: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        # No keep-alive: each attempt on its own connection, so a worker restarting between two requests
        # never shows as a stale pooled connection the client itself would have to explain.
        self._http = httpx.Client(
            base_url=self.base_url, timeout=15, limits=httpx.Limits(max_keepalive_connections=0)
        )

    def close(self) -> None:
        self._http.close()

    def deliver(self, body: bytes) -> bool:
        """Post until 200 (the same bytes every time) or the deadline; True once answered 200."""
        event_id = event_id_of(body)
        with self._lock:
            self.posted.add(event_id)
        deadline = time.monotonic() + self.deadline_seconds
        while True:
            status, retry_after = self._attempt(body)
            with self._lock:
                self.answers.append(Answer(event_id, status, retry_after, time.monotonic()))
                if status == 200:
                    self.accepted.add(event_id)
            if status == 200:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(RETRY_PAUSE_SECONDS)

    def _attempt(self, body: bytes) -> tuple[int, str | None]:
        try:
            response = self._http.post("/webhooks/mailgun", content=body, headers=JSON)
        except httpx.HTTPError:
            return 0, None
        return response.status_code, response.headers.get("Retry-After")

    def deliver_all(self, bodies: list[bytes], concurrency: int = 8) -> list[bool]:
        with ThreadPoolExecutor(concurrency) as pool:
            return list(pool.map(self.deliver, bodies))

    def statuses(self) -> Counter[int]:
        with self._lock:
            return Counter(a.status for a in self.answers)

    def not_ok(self) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if a.status != 200]


class Load:
    """Fresh deliveries posted steadily from background threads until stopped, each retried until 200."""

    def __init__(self, client: MailgunLikeClient, threads: int = 4, pause: float = 0.01) -> None:
        self.client, self._pause = client, pause
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        self.undelivered = 0

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.client.deadline_seconds + 20)

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.client.deliver(unique_json_delivery()):
                self.undelivered += 1
            time.sleep(self._pause)


def wait_for(condition: Callable[[], bool], timeout: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def pending(engine: Engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(InboxRow).where(InboxRow.status == "pending")
        return int(connection.scalar(query) or 0)


def inbox_account(engine: Engine) -> dict[str, object]:
    """The inbox's rows by status, and the reasons of the first dead ones: what a failed account says."""
    with engine.connect() as connection:
        by_status = select(InboxRow.status, func.count()).group_by(InboxRow.status)
        statuses = dict(connection.execute(by_status).all())
        dead = connection.scalars(select(InboxRow.error).where(InboxRow.status == "dead").limit(3)).all()
    return {"by_status": statuses, "dead_reasons": dead}


def stored_event_ids(engine: Engine) -> Counter[str]:
    with engine.connect() as connection:
        return Counter(connection.scalars(select(Event.mailgun_event_id)).all())


def assert_exact_account(
    engine: Engine, client: MailgunLikeClient, timeout: float = 40.0, logs: Callable[[], str] = str
) -> Counter[str]:
    """Once drained: the events answered 200 are stored once each, and nothing else is stored.

    Every delivery was retried until 200, so every posted event must have been answered 200 too.
    """
    assert client.posted, "nothing was posted"
    assert client.accepted == client.posted, f"{len(client.posted - client.accepted)} never answered 200"
    drained = wait_for(
        lambda: pending(engine) == 0 and len(stored_event_ids(engine)) >= len(client.accepted), timeout
    )
    stored = stored_event_ids(engine)
    assert drained, (
        f"not drained: {pending(engine)} pending, {len(stored)} stored of {len(client.accepted)} answered "
        f"200; inbox {inbox_account(engine)}\n{logs()[-4000:]}"
    )
    twice = {event_id: n for event_id, n in stored.items() if n > 1}
    assert twice == {}, f"stored more than once: {twice}"
    assert set(stored) == client.accepted, {
        "missing": len(client.accepted - set(stored)),
        "never posted": len(set(stored) - client.posted),
    }
    return stored
