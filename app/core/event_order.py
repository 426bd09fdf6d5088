"""A page of `events` in time order, asked for so that Postgres reads the partitions one after another.

A page of events newest (or oldest) first under a LIMIT is cheapest when Postgres reads the partitions in
their time order and stops at the one that completes the page: an ordered Append, whose later partitions
are never executed. Over the whole of `events` it cannot: the DEFAULT partition may hold rows of any time,
so the planner merges every partition instead (a Merge Append, which descends each partition's index and
fetches one row from each before it returns the first; at 60 daily partitions not in memory, 60 random
reads for nothing, measured in bench/scale.py).

So the page is asked for as two halves, each ordered and limited, merged and limited again: the rows inside
the newest unbroken stretch of time the ranged partitions cover (its bounds written into the SQL as
literals, so that the planner prunes the default partition while planning, prepared statement or not), and
the rows outside it (the default partition, and any partition beyond a gap; usually none). The two halves'
conditions are complementary, so the rows do not depend on the bounds being current: stale bounds only
cost speed. On SQLite, or without bounds, it is the one plain query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, bindparam, or_, select, union_all

from app.core.models.base import UTCDateTime
from app.core.models.events import Event
from app.core.partition_periods import Range

events = Event.__table__
# A page's statement: one SELECT, or the two halves' UNION ALL.
TimeOrdered = Select[Any] | CompoundSelect[Any]


def time_ordered(
    columns: Sequence[Any],
    conditions: Sequence[ColumnElement[bool]],
    limit: int,
    *,
    newest_first: bool,
    covered: Range | None,
) -> TimeOrdered:
    """The first `limit` rows of `events` meeting `conditions`, by (occurred_at, id), newest first or oldest
    first; `covered` from app/core/partitions.covered_range."""

    def page(*also: ColumnElement[bool]) -> Select[Any]:
        query = select(*columns).where(*conditions, *also)
        return query.order_by(*_order(newest_first)).limit(limit)

    if covered is None:
        return page()
    at = events.c.occurred_at
    lower = bindparam("covered_from", covered.lower, type_=UTCDateTime(), literal_execute=True)
    upper = bindparam("covered_until", covered.upper, type_=UTCDateTime(), literal_execute=True)
    halves = union_all(page(at >= lower, at < upper), page(or_(at < lower, at >= upper)))
    # Ordered by the result's column names (ORDER BY occurred_at, id): a subquery would say the same at five
    # times the cost of building the statement, per request.
    return halves.order_by(*_order(newest_first)).limit(limit)


def _order(newest_first: bool) -> tuple[Any, Any]:
    if newest_first:
        return events.c.occurred_at.desc(), events.c.id.desc()
    return events.c.occurred_at, events.c.id
