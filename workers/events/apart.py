"""Writing a batch so that what cannot be stored is set apart on its own and the rest is stored as if it were
not there.

The whole batch is written first, in a savepoint: the usual case costs one attempt. When the database or the
encoding refuses it, the batch is split in halves, each written in a savepoint of its own, down to the single
item that is refused. With k refused items among n that is about 2·k·log2(n) writes (a batch of 500 with one:
19 writes, most of them small), instead of n single-item writes.

A store that is away (connection lost, timeout, lock: `store_is_away`) is not an item's fault: that error
goes to the caller, whose attempt fails as a whole and is counted on every row (workers/events/claims.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import psycopg
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, StatementError

from app.core.db import store_is_away

Item = TypeVar("Item")
Result = TypeVar("Result")


def write_apart(
    connection: Connection,
    items: Sequence[Item],
    write: Callable[[Sequence[Item]], list[Result]],
    refused: Callable[[Item, str], None],
) -> list[Result]:
    """`write(items)`, or, if that is refused, the halves apart; `refused(item, reason)` for each item that
    cannot be written even alone. The results of every part written."""
    if not items:
        return []
    try:
        with connection.begin_nested():
            return write(items)
    except Exception as exc:
        if not is_the_items_fault(exc):
            raise
        if len(items) == 1:
            refused(items[0], describe(exc))
            return []
    middle = len(items) // 2
    return write_apart(connection, items[:middle], write, refused) + write_apart(
        connection, items[middle:], write, refused
    )


def is_the_items_fault(exc: BaseException) -> bool:
    """Whether the failure says something about what was written, rather than about the store or the task
    (a store away, the task's time running out): only then is trying a part of it apart of any use."""
    return not store_is_away(exc) and not isinstance(exc, SoftTimeLimitExceeded)


def describe(exc: BaseException) -> str:
    """What a dead letter says of a failure. Only the type of a database error: a driver's message can quote
    the statement's parameters, i.e. the payload. An encoder's own message says which limit was reached."""
    if isinstance(exc, DBAPIError | psycopg.Error):
        return type(exc).__name__
    cause = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    try:
        message = str(cause)
    except Exception:  # a message that cannot even be made (a payload too deep for its repr)
        message = ""
    return f"{type(cause).__name__}: {message[:160]}" if message else type(cause).__name__
