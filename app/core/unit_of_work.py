"""A unit of work: one writing transaction, and what must happen only once it has committed.

Some effects of a write must not be seen before the write is: a task sent to fetch a stored message must find
its row, a counter of dead letters must not count a batch that rolled back. Code deep inside a transaction
registers such an effect with `after_commit`; it runs once the commit has returned, and never if the
transaction rolls back (the block raised) or the commit itself fails. An effect that fails is logged and the
next one still runs: what it stood for is already durable, and every such effect has a sweep or a beat run
behind it that redoes it (a lost fetch task, a lost wake-up).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)


class UnitOfWork:
    """The connection of an open transaction, and the effects owed once it commits."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._after_commit: list[Callable[[], object]] = []

    def after_commit(self, effect: Callable[[], object]) -> None:
        """Run `effect()` once this unit's transaction has committed; dropped if it rolls back."""
        self._after_commit.append(effect)

    def _run_after_commit(self) -> None:
        effects, self._after_commit = self._after_commit, []
        for effect in effects:
            try:
                effect()
            except Exception:  # the write is durable; a sweep redoes what the effect stood for
                log.exception("an after-commit effect failed")


@contextmanager
def unit_of_work(engine: Engine, begin: Callable[[Connection], None] | None = None) -> Iterator[UnitOfWork]:
    """A transaction on `engine` (started by `begin(connection)` when given, e.g. to take SQLite's write lock
    first), committed when the block ends; then its after-commit effects, in the order registered."""
    with engine.connect() as connection:
        # Begun now, not at the first statement: a caller may write through the driver's own connection
        # (COPY), which SQLAlchemy does not see, and the commit below must still commit that.
        if begin is not None:
            begin(connection)
        else:
            connection.begin()
        work = UnitOfWork(connection)
        yield work
        connection.commit()
    work._run_after_commit()
