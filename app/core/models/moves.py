"""A table of allowed status moves, and the checks the code that moves a status asks it. Pure.

The code that changes a row's status states the move it makes (`require(old, new)`), or selects the rows a
move may start from (`sources(new)`), so the table is the one place a reader learns how a row may travel.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import StrEnum
from typing import Generic, TypeVar

S = TypeVar("S", bound=StrEnum)


class ForbiddenMove(ValueError):
    """A status move the table does not allow: a bug in the caller, never a state of the data."""


class Moves(Generic[S]):
    def __init__(self, table: Mapping[S, Collection[S]]) -> None:
        self._table = {old: frozenset(new) for old, new in table.items()}

    def can_move(self, old: str, new: str) -> bool:
        return any(old == start and new in ends for start, ends in self._table.items())

    def require(self, old: S, new: S) -> S:
        """`new`, once the table allows the move from `old`."""
        if not self.can_move(old, new):
            raise ForbiddenMove(f"status {old!s} may not move to {new!s}")
        return new

    def sources(self, new: S) -> tuple[S, ...]:
        """Every status a row may leave for `new`, in the table's order."""
        return tuple(old for old, ends in self._table.items() if new in ends)
