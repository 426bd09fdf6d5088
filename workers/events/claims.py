"""Claiming pending inbox rows, and settling them.

A claim is its own short transaction, committed before any work on the rows: it counts the attempt on each
row and holds the rows for a while (`claimed_until`), so that an attempt which never finishes (a worker
killed, a batch rolled back, a database gone mid-batch) is still counted. A row that has been tried and not
settled is tried again in ever smaller groups, down to alone, so it cannot keep taking the other rows of its
batch down with it; one past MAX_ATTEMPTS is dead-lettered at its claim. No delivery can hold the queue.

The work is then written in a second transaction that first takes the rows over (`take`): marked done in
the same statement, and only if no later claim took them meanwhile. Postgres: claims use `FOR UPDATE SKIP
LOCKED`, and the rows a writing transaction took stay locked until it ends, so no claim takes them from
under it. SQLite: every claim and every write holds SQLite's single write lock from its first statement
(`BEGIN IMMEDIATE`), so there is exactly one claimer at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    Row,
    Table,
    any_,
    bindparam,
    case,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from app.core.models.inbox import InboxRow
from app.core.models.inbox_vocab import INBOX_MOVES, InboxStatus

# The Table itself (declared on the model), for Core statements.
inbox = cast(Table, InboxRow.__table__)
# A taken row is done; a row is dead when its attempts are spent (pending) or it cannot be stored (taken).
_TAKEN = INBOX_MOVES.require(InboxStatus.PENDING, InboxStatus.DONE)
_DEAD = INBOX_MOVES.require(InboxStatus.DONE, InboxStatus.DEAD)
assert INBOX_MOVES.can_move(InboxStatus.PENDING, _DEAD)
CLAIMED_COLUMNS = [
    inbox.c[name]
    for name in (
        "id", "kind", "route", "content_type", "body", "region_hint", "domain_hint", "received_at", "attempts"
    )
]  # fmt: skip
# Attempts per row, whatever ends them; the next claim of a row that used them all dead-letters it.
MAX_ATTEMPTS = 5
# How long a claim holds its rows before they may be claimed again: long enough for a batch to be read and
# normalized (its writing transaction then holds them), short enough that a killed worker's rows come back
# soon.
CLAIM_SECONDS = 15.0
# After an attempt that failed as a whole, its rows wait this long times 4 per attempt before the next one.
RETRY_BASE_SECONDS = 5.0
RETRY_MAX_SECONDS = 600.0


class ClaimedRow(NamedTuple):
    """A claimed row as the drain reads it. A tuple: one is built per row claimed, and a tuple builds in a
    fifth of a frozen dataclass's time."""

    id: int
    kind: str
    route: str
    content_type: str
    body: bytes
    region_hint: str | None
    domain_hint: str | None
    received_at: datetime
    attempt: int  # this claim's attempt number, counted on the row


@dataclass(frozen=True, slots=True)
class Claim:
    """The rows to work on, and the rows given up at this claim (id -> the dead letter's reason)."""

    rows: list[ClaimedRow] = field(default_factory=list)
    gave_up: dict[int, str] = field(default_factory=dict)
    gave_up_kinds: dict[int, str] = field(default_factory=dict)
    more: bool = False  # whether claimable rows were left for another claim


def claim_batch(
    engine: Engine,
    limit: int,
    *,
    lane: ColumnElement[bool] | None = None,
    hold_seconds: float = CLAIM_SECONDS,
) -> Claim:
    """Claim up to `limit` pending rows (of `lane`, when given), oldest first, and commit the claim."""
    now = datetime.now(UTC)
    with engine.connect() as connection:
        begin_writing(connection, claiming=True)
        candidates = _claimable(connection, limit, now, true() if lane is None else lane)
        chosen = _chosen(candidates, limit)
        spent = {row.id: row for row in chosen if row.attempts >= MAX_ATTEMPTS}
        gave_up = {row_id: _gave_up(row.attempts, row.error) for row_id, row in spent.items()}
        mark_dead(connection, gave_up)
        ids = [row.id for row in chosen if row.id not in spent]
        rows = _count_attempt(connection, ids, now + timedelta(seconds=hold_seconds)) if ids else []
        connection.commit()
    more = len(candidates) == limit or len(chosen) < len(candidates)
    return Claim(rows, gave_up, {row_id: row.kind for row_id, row in spent.items()}, more)


def _chosen(candidates: list[Row[Any]], limit: int) -> list[Row[Any]]:
    """Fresh rows go together. Rows tried before go in groups a quarter the size per attempt made (a batch of
    500: 125, 31, 7, then alone), so a row that kills its worker takes fewer innocent rows along each time,
    and they are settled before its attempts run out. Whichever comes first, by id, sets the claim's kind."""
    if not candidates or not candidates[0].attempts:
        return [row for row in candidates if not row.attempts]
    made = candidates[0].attempts
    return [row for row in candidates if row.attempts == made][: max(1, limit // 4**made)]


def _claimable(
    connection: Connection, limit: int, now: datetime, lane: ColumnElement[bool]
) -> list[Row[Any]]:
    due = (
        select(inbox.c.id, inbox.c.kind, inbox.c.attempts, inbox.c.error)
        .where(inbox.c.status == InboxStatus.PENDING, lane)
        .where(or_(inbox.c.claimed_until.is_(None), inbox.c.claimed_until < now))
        .order_by(inbox.c.id)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    return list(connection.execute(due))


def _count_attempt(connection: Connection, ids: list[int], until: datetime) -> list[ClaimedRow]:
    claim = (
        update(inbox)
        .where(_ids_in(connection, ids))
        .values(attempts=inbox.c.attempts + 1, claimed_until=until)
        .returning(*CLAIMED_COLUMNS)
    )
    return sorted(map(ClaimedRow._make, connection.execute(claim)), key=_BY_ID)


_BY_ID = attrgetter("id")


def _ids_in(connection: Connection, ids: list[int]) -> ColumnElement[bool]:
    """`inbox.id` among `ids`. On Postgres one array parameter, so the statement is the same text whatever the
    number of ids: psycopg caches a statement's conversion, and prepares it, only up to 4 kB of text, and a
    claim's 500-id IN list is ten times that, converted afresh and planned afresh on every batch."""
    if connection.dialect.name == "postgresql":
        return inbox.c.id == any_(bindparam("ids", ids, type_=ARRAY(BigInteger)))
    return inbox.c.id.in_(ids)


def _gave_up(attempts: int, last_error: str | None) -> str:
    why = last_error or "none of them finished (the worker was stopped or killed, or ran out of time)"
    return f"gave up after {attempts} attempts: {why}"


def take(connection: Connection, rows: Sequence[ClaimedRow]) -> set[int]:
    """Inside the writing transaction: mark the claimed rows done and lock them; the ids still ours (a row
    whose claim ran out may have been claimed again since, and is then the later claim's)."""
    if not rows:
        return set()
    attempt = _attempt_of(rows)
    taken = connection.execute(
        update(inbox)
        .where(_ids_in(connection, [row.id for row in rows]), inbox.c.status == InboxStatus.PENDING)
        .where(inbox.c.attempts == attempt)
        .values(status=_TAKEN, processed_at=func.now(), claimed_until=None, error=None)
        .returning(inbox.c.id)
    )
    return set(taken.scalars())


def _attempt_of(rows: Sequence[ClaimedRow]) -> int:
    """A claim's rows share their attempt number: fresh rows are claimed together, a retried one alone."""
    attempt = rows[0].attempt
    assert all(row.attempt == attempt for row in rows), "one attempt number per claim"
    return attempt


def mark_dead(connection: Connection, reasons: dict[int, str]) -> None:
    if reasons:
        connection.execute(
            update(inbox)
            .where(inbox.c.id.in_(list(reasons)))
            .values(
                status=_DEAD,
                processed_at=func.now(),
                claimed_until=None,
                error=case(reasons, value=inbox.c.id),
            )
        )


def note_failed_attempt(engine: Engine, rows: Sequence[ClaimedRow], reason: str) -> None:
    """After an attempt that failed as a whole: say why on its rows, and let them wait before the next.
    Best effort: if the database is away, the claim runs out on its own."""
    if not rows:
        return
    attempt = _attempt_of(rows)
    wait = min(RETRY_BASE_SECONDS * 4 ** (attempt - 1), RETRY_MAX_SECONDS)
    with engine.connect() as connection:
        begin_writing(connection)
        connection.execute(
            update(inbox)
            .where(_ids_in(connection, [row.id for row in rows]), inbox.c.status == InboxStatus.PENDING)
            .where(inbox.c.attempts == attempt)
            .values(
                error=f"attempt {attempt} failed: {reason}",
                claimed_until=datetime.now(UTC) + timedelta(seconds=wait),
            )
        )
        connection.commit()


# The claim's plan, whatever the statistics say: the pending rows' index read in id order, stopping at the
# limit. Statistics gathered while little was pending (the usual case) make the planner expect a handful of
# rows; it then reads every pending row and sorts them, once per claim, so draining a backlog of n rows cost
# n**2 / limit row reads (a backlog of 100,000: 65-130 ms a claim instead of a few).
_CLAIM_PLAN = "; SET LOCAL enable_sort = off"


def begin_writing(connection: Connection, *, claiming: bool = False) -> None:
    """Start a claim's or a batch's transaction.

    SQLite: take the write lock up front, so two claimers never both read the same pending rows.
    Postgres: commit without waiting for the WAL flush. Everything a batch writes is derived from inbox rows
    that are already durable: if the server crashes before the flush, a claim is lost (its rows are claimed
    again, the attempt uncounted) or a batch is (its rows are pending again and the next drain redoes it).
    What another transaction saw meanwhile is either re-created identically (events, messages) or acted on
    idempotently (a sync push repeated is an upsert at Mailgun). A claim also fixes its plan (_CLAIM_PLAN),
    in the same round trip."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("SET LOCAL synchronous_commit = off" + (_CLAIM_PLAN if claiming else ""))
