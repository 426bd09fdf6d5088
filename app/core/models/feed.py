"""The feed's positions: what each stored event carries so /api/v1/feed can serve them in one gap-free order.

A position is (feed_xact, id). On Postgres `feed_xact` is the id of the transaction that stored the row,
written by the database itself as the column's default, so no writer (COPY, INSERT ... SELECT, a plain
INSERT) has to know about it. On SQLite it is always 0 and the position is the row id: SQLite runs one
writer at a time and hands out AUTOINCREMENT ids inside it, so ids rise in commit order and are never reused.
docs/feed.md explains why this leaves no gaps.

`feed_horizon` holds, per database, the greatest position retention has deleted: a cursor before it may
have missed events that are gone, and is refused (410) rather than silently continued.
"""

from __future__ import annotations

from typing import Annotated, Any

from sqlalchemy import BigInteger, SmallInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from app.core.models.base import Base

# xid8 as text then bigint: the full 64-bit id (epoch and xid), never wrapping, in a type every driver, index
# and cursor already handles. Real values stay far below 2**63.
POSTGRES_XACT = "pg_current_xact_id()::text::bigint"
# The watermark: every transaction id below it has finished (committed or rolled back), and every
# transaction still to commit has an id at or above it.
SELECT_POSTGRES_WATERMARK = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
HORIZON_ROW = 1


class StoringXact(FunctionElement[int]):
    """The server default of `events.feed_xact`: the storing transaction's id on Postgres, 0 on SQLite."""

    type = BigInteger()
    inherit_cache = True


@compiles(StoringXact)
def _zero(element: StoringXact, compiler: Any, **kw: Any) -> str:
    return "0"


@compiles(StoringXact, "postgresql")
def _current_xact(element: StoringXact, compiler: Any, **kw: Any) -> str:
    return f"({POSTGRES_XACT})"


feed_xact = Annotated[int, mapped_column(BigInteger(), nullable=False, server_default=StoringXact())]


class FeedHorizon(Base):
    __tablename__ = "feed_horizon"

    id: Mapped[int] = mapped_column(SmallInteger(), primary_key=True, autoincrement=False)
    feed_xact: Mapped[int] = mapped_column(BigInteger(), nullable=False)
    event_id: Mapped[int] = mapped_column(BigInteger(), nullable=False)
