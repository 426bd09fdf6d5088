"""Push one region's due outbox rows to that region's Mailgun and settle every row.

Claiming takes a lease (next_attempt_at moves past the longest run) in a short transaction, so no database
transaction stays open across HTTP calls and a worker that dies mid-run frees its rows when the lease ends.
Each call is settled in its own transaction right after its answer: what Mailgun has acknowledged is never
sent again, even if the run stops at the next call.

A 429 that outlasts the client's patience pauses the region in `sync_pauses`: the rows wait until then, and
no worker pushes for that region meanwhile. A region that answers 5xx or times out ends the run too; its
remaining rows wait for the same retry time instead of each burning its own retries.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update

from app.core.models.sync_vocab import ADD_KINDS, DELETE_KINDS, SyncActionKind, SyncActionStatus
from app.core.settings import Settings
from workers.events.claims import begin_writing
from workers.mailgun.client import MailgunClient, MailgunError, RateLimited, Reply, WrongRegion
from workers.sync.calls import (
    PLURAL,
    Call,
    OutboxRow,
    Outcome,
    judge,
    plan_calls,
)
from workers.sync.settle import release, settle
from workers.sync.store import pause_region, paused_until, sync_actions

CLAIM_LIMIT = 5000
LEASE = timedelta(minutes=15)  # longer than a task may run (workers/celery.py TASK_TIME_LIMIT_SECONDS)
PUSH_BUDGET_SECONDS = 120.0
KNOWN_KINDS = tuple(SyncActionKind)

actions = sync_actions


@dataclass
class PushResult:
    claimed: int = 0
    calls: int = 0
    done: int = 0
    failed: int = 0
    retried: int = 0
    paused: bool = False
    more: bool = False


def push_region(
    engine: Engine,
    settings: Settings,
    region: str,
    client: MailgunClient,
    *,
    limit: int = CLAIM_LIMIT,
    budget: float = PUSH_BUDGET_SECONDS,
) -> PushResult:
    rows = claim_due(engine, region, _now(), limit)
    if rows is None:
        return PushResult(paused=True, more=True)
    result = PushResult(claimed=len(rows), more=len(rows) == limit)
    calls, deadline = plan_calls(rows), time.monotonic() + budget
    for index, call in enumerate(calls):
        if time.monotonic() > deadline:
            release(engine, _rows(calls[index:]), _now())
            result.more = True
            break
        stop, unsent = _push_call(engine, settings, region, client, call, result)
        if stop is not None:
            _wait_after(engine, settings, region, stop, unsent + _rows(calls[index + 1 :]))
            result.paused = stop.status == "paused"
            break
    return result


def claim_due(engine: Engine, region: str, now: datetime, limit: int) -> list[OutboxRow] | None:
    """Lease the region's due rows; None while the region is paused."""
    columns = (
        actions.c.id,
        actions.c.kind,
        actions.c.domain,
        actions.c.list_address,
        actions.c.address,
        actions.c.payload,
        actions.c.attempts,
    )
    with engine.connect() as connection:
        begin_writing(connection)
        until = paused_until(connection, region)
        if until is not None and until > now:
            connection.rollback()
            return None
        query = (
            select(*columns)
            .where(
                actions.c.region == region,
                actions.c.status == SyncActionStatus.PENDING,
                actions.c.next_attempt_at <= now,
            )
            .order_by(actions.c.next_attempt_at, actions.c.id)
            .limit(limit)
        )
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = [OutboxRow(*row) for row in connection.execute(query)]
        if rows:
            ids = [row.id for row in rows]
            connection.execute(
                update(actions).where(actions.c.id.in_(ids)).values(next_attempt_at=now + LEASE)
            )
        connection.commit()
    return rows


def _push_call(
    engine: Engine, settings: Settings, region: str, client: MailgunClient, call: Call, result: PushResult
) -> tuple[Outcome | None, list[OutboxRow]]:
    """Send one call (halved while Mailgun refuses a bulk one) and settle it: what stops the run, if anything,
    and the rows it left unsent."""
    pending = [call]
    while pending:
        part = pending.pop(0)
        outcome = _perform(client, region, part)
        result.calls += 1
        if outcome.status == "failed" and outcome.splittable:
            pending[:0] = part.halves()  # find the address Mailgun refuses, send the others
            continue
        settle(engine, settings, region, part, outcome, _now())
        _count(result, part, outcome)
        if outcome.status in ("paused", "retry"):
            return outcome, _rows(pending)
    return None, []


def _wait_after(
    engine: Engine, settings: Settings, region: str, stop: Outcome, unsent: list[OutboxRow]
) -> None:
    """Rows not sent wait as long as the call that stopped the run; a 429 pauses the whole region."""
    if stop.status == "paused" and stop.until is not None:
        with engine.begin() as connection:
            pause_region(connection, region, stop.until, stop.error or "429", _now())
        release(engine, unsent, stop.until)
    else:
        release(engine, unsent, _now() + timedelta(seconds=settings.sync.retry_seconds))


def _perform(client: MailgunClient, region: str, call: Call) -> Outcome:
    if call.kind not in KNOWN_KINDS:
        return Outcome("failed", f"unknown action kind {call.kind!r}: nothing sent")
    try:
        reply = _send(client, region, call)
    except WrongRegion as exc:
        return Outcome("failed", str(exc))
    except RateLimited as exc:
        return Outcome("paused", str(exc), until=datetime.fromtimestamp(exc.until, UTC))
    except MailgunError as exc:
        return Outcome("retry", str(exc))
    return judge(call, reply)


def _send(client: MailgunClient, region: str, call: Call) -> Reply:
    if call.kind in ADD_KINDS:
        return client.add_suppressions(region, call.target, PLURAL[call.kind], call.records())
    address = call.rows[0].address
    if call.kind in DELETE_KINDS:
        return client.delete_suppression(
            region, call.target, PLURAL[call.kind.removesuffix("_delete")], address
        )
    return client.unsubscribe_member(region, call.target, address)


def _count(result: PushResult, call: Call, outcome: Outcome) -> None:
    n = len(call.rows)
    if outcome.status == "done":
        result.done += n
    elif outcome.status == "failed":
        result.failed += n
    else:
        result.retried += n


def _rows(calls: Sequence[Call]) -> list[OutboxRow]:
    return [row for call in calls for row in call.rows]


def _now() -> datetime:
    return datetime.now(UTC)
