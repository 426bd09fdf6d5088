"""partitioned_events: `events` range-partitioned on occurred_at (Postgres), swapped in without a long lock

The new table `events_next` is created partitioned, with the periods that hold the stored events (daily or
monthly by MAILHOOK_EVENT_PARTITIONS, up to the next period) and a DEFAULT partition. What happens next
depends on the size of the table:

- A small table (a new install, tests) is copied in this migration's transaction, with writes locked out
  for the moment it takes.
- A larger one is copied while the intake, the drain and the API go on: a trigger on `events` mirrors
  every insert and delete into `events_next` from the moment it exists; the rows stored before it are
  copied in bounded batches of ids, each batch a transaction of its own (ON CONFLICT DO NOTHING: a row the
  trigger brought is not copied twice); a row a concurrent purge deleted while its batch was copying is
  deleted again afterwards. Then, in one short transaction under an exclusive lock, the trigger goes,
  the id sequence passes to `events_next`, the old table is dropped and `events_next` takes its name,
  its constraints' and indexes' names.

Ids (the sequence events_id_seq, the API's cursors) and feed positions (feed_xact, id) are copied as they
are, so no cursor moves. The primary key becomes (id, occurred_at): a partitioned table's unique keys must
hold its partition key. The sequence alone keeps ids unique, as it always did. Interrupted, the migration
can simply be run again: it starts over from the leftovers' removal. SQLite is left as it is.

Revision ID: 0015_partitioned_events
Revises: 0013_console
Create Date: 2026-12-02
"""

import logging
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import psycopg
from alembic import op
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from app.core.db import make_engine
from app.core.partition_periods import (
    DEFAULT_PARTITION,
    next_start,
    partition_name,
    period_start,
    periods_between,
)
from app.core.settings import event_partitions

revision: str = "0015_partitioned_events"
down_revision: str | None = "0013_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

NEXT = "events_next"
MIRROR = "events_mirror_to_next"
# Up to this many rows the copy runs in the migration's own transaction, writes waiting for a second or two.
SMALL_TABLE = 50_000
# Ids per batch: one batch is a transaction of well under a second here, so locks and WAL stay bounded.
BATCH_IDS = 20_000
# The swap waits at most this long for each of its locks, then lets traffic through and tries again. Under
# Postgres's deadlock_timeout (1 s by default), so that in a lock cycle with a writer the swap always gives
# up first and the writer's transaction never fails.
SWAP_LOCK_TIMEOUT = "500ms"
SWAP_ATTEMPTS = 60
# More periods than this (years of daily partitions) are not created for old rows: they land in the default.
MAX_HISTORY_PERIODS = 400

# The parent's constraints and indexes as 0002 and 0010 named them; created on events_next under a
# temporary name ({name}_next), renamed at the swap. Every name and expression here is fixed (hence noqa).
KEYS = {
    "pk_events": "PRIMARY KEY (id, occurred_at)",
    "uq_events_mailgun_event_id_occurred_at_event": "UNIQUE (mailgun_event_id, occurred_at, event)",
}
INDEXES = {
    "ix_events_occurred_at_id": "(occurred_at, id)",
    "ix_events_recipient_occurred_at": "(recipient, occurred_at, id)",
    "ix_events_message_id_occurred_at": "(message_id, occurred_at, id)",
    "ix_events_domain_occurred_at": "(domain, occurred_at, id)",
    # The console's domain health (0013_console).
    "ix_events_domain_region_type_occurred_at": "(domain, region, type, occurred_at)",
    "ix_events_tags": "USING gin (tags jsonb_path_ops)",
    "ix_events_feed_xact_id": "(feed_xact, id)",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or _partitioned(bind):
        return
    period = event_partitions(os.environ)
    _remove_leftovers(bind)
    if _rows_at_least(bind, SMALL_TABLE) < SMALL_TABLE:
        _create_next(bind, period)
        timeout = bind.scalar(text("SELECT current_setting('lock_timeout')"))
        _retried(lambda: _swap_in_savepoint(bind))
        bind.execute(text("SELECT set_config('lock_timeout', :timeout, true)"), {"timeout": timeout})
        return
    url = bind.engine.url.render_as_string(hide_password=False)
    with op.get_context().autocommit_block():
        _copy_online(url, period)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not _partitioned(bind):
        return
    # Back to one heap, in the migration's transaction: writes wait for the copy.
    bind.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))
    bind.execute(text("CREATE TABLE events_heap (LIKE events INCLUDING DEFAULTS)"))
    bind.execute(text("INSERT INTO events_heap SELECT * FROM events"))
    bind.execute(text("ALTER SEQUENCE events_id_seq OWNED BY events_heap.id"))
    bind.execute(text("DROP TABLE events"))
    bind.execute(text("ALTER TABLE events_heap RENAME TO events"))
    bind.execute(text("ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY (id)"))
    unique = KEYS["uq_events_mailgun_event_id_occurred_at_event"]
    bind.execute(
        text(f"ALTER TABLE events ADD CONSTRAINT uq_events_mailgun_event_id_occurred_at_event {unique}")
    )
    for name, columns in INDEXES.items():
        bind.execute(text(f"CREATE INDEX {name} ON events {columns}"))


def _partitioned(connection: Connection) -> bool:
    return connection.scalar(text("SELECT relkind FROM pg_class WHERE oid = 'events'::regclass")) == "p"


def _rows_at_least(connection: Connection, cap: int) -> int:
    return int(
        connection.scalar(text("SELECT count(*) FROM (SELECT 1 FROM events LIMIT :cap) AS n"), {"cap": cap})
    )


def _remove_leftovers(connection: Connection) -> None:
    """What an interrupted run left: its trigger, function and half-filled table (with its partitions)."""
    connection.execute(text(f"DROP TRIGGER IF EXISTS {MIRROR} ON events"))
    connection.execute(text(f"DROP FUNCTION IF EXISTS {MIRROR}()"))
    connection.execute(text(f"DROP TABLE IF EXISTS {NEXT} CASCADE"))


def _create_next(connection: Connection, period: str) -> None:
    """events_next: the columns, defaults and NOT NULLs of `events`, partitioned, keyed and indexed."""
    connection.execute(
        text(f"CREATE TABLE {NEXT} (LIKE events INCLUDING DEFAULTS) PARTITION BY RANGE (occurred_at)")
    )
    for name, definition in KEYS.items():
        connection.execute(text(f"ALTER TABLE {NEXT} ADD CONSTRAINT {name}_next {definition}"))
    for name, columns in INDEXES.items():
        connection.execute(text(f"CREATE INDEX {name}_next ON {NEXT} {columns}"))
    for lower, upper in _periods(connection, period):
        connection.execute(
            text(
                f"CREATE TABLE {partition_name(lower, period)} PARTITION OF {NEXT} "
                f"FOR VALUES FROM ('{lower.isoformat()}') TO ('{upper.isoformat()}')"
            )
        )
    connection.execute(text(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {NEXT} DEFAULT"))


def _periods(connection: Connection, period: str) -> list[tuple[datetime, datetime]]:
    """From the oldest stored event's period (at most MAX_HISTORY_PERIODS back) to the next period."""
    now = datetime.now(UTC)
    oldest = connection.scalar(text("SELECT min(occurred_at) FROM events")) or now
    last = next_start(period_start(now, period), period)
    ranges = periods_between(min(oldest, now), last, period)
    return [(r.lower, r.upper) for r in ranges[-MAX_HISTORY_PERIODS:]]


def _swap(connection: Connection, *, copy_all: bool = False) -> None:
    """events_next becomes `events`, in the caller's transaction; with `copy_all`, after every row is copied
    under a lock that lets reads go on.

    The sequence is locked first (passing it to events_next; dropping the table that owned it would drop it
    too), the table second: a writer takes them in that order on the COPY path (nextval, then COPY), so
    the swap never holds the table while that writer holds the sequence. A writer on the other path (an
    INSERT whose default calls nextval) takes them the other way round: then the swap's lock timeout ends
    the wait, before deadlock detection could pick the writer."""
    connection.execute(text(f"ALTER SEQUENCE events_id_seq OWNED BY {NEXT}.id"))
    if copy_all:
        connection.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))  # readers go on, writers wait
        connection.execute(text(f"INSERT INTO {NEXT} SELECT * FROM events"))  # noqa: S608
    connection.execute(text("LOCK TABLE events IN ACCESS EXCLUSIVE MODE"))
    connection.execute(text(f"DROP TRIGGER IF EXISTS {MIRROR} ON events"))
    connection.execute(text(f"DROP FUNCTION IF EXISTS {MIRROR}()"))
    connection.execute(text("DROP TABLE events"))
    connection.execute(text(f"ALTER TABLE {NEXT} RENAME TO events"))
    for name in KEYS:
        connection.execute(text(f"ALTER TABLE events RENAME CONSTRAINT {name}_next TO {name}"))
    for name in INDEXES:
        connection.execute(text(f"ALTER INDEX {name}_next RENAME TO {name}"))


def _copy_online(url: str, period: str) -> None:
    engine = make_engine(url)
    try:
        started = time.monotonic()
        with engine.begin() as connection:
            _create_next(connection, period)
            _mirror(connection)
        with engine.begin() as connection:
            # Every row stored before the trigger existed has an id up to this one.
            first, last = connection.execute(text("SELECT min(id), max(id) FROM events")).one()
        copied = _in_batches(engine, COPY_BATCH, int(first or 0), int(last or 0))
        gone = _in_batches(engine, DELETE_AGAIN, int(first or 0), int(last or 0))
        _swap_with_retries(engine)
        log.info("events partitioned: %d rows copied, %d purged meanwhile, in %.1f s", copied, gone,
                 time.monotonic() - started)  # fmt: skip
    finally:
        engine.dispose()


def _mirror(connection: Connection) -> None:
    """A trigger on `events` that repeats each insert and delete on events_next, in the writer's transaction."""
    connection.execute(
        text(f"""
        CREATE FUNCTION {MIRROR}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO {NEXT} SELECT (NEW).* ON CONFLICT DO NOTHING;
            ELSE
                DELETE FROM {NEXT} WHERE id = OLD.id AND occurred_at = OLD.occurred_at;
            END IF;
            RETURN NULL;
        END $$
        """)  # noqa: S608
    )
    connection.execute(
        text(
            f"CREATE TRIGGER {MIRROR} AFTER INSERT OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION {MIRROR}()"
        )
    )


# The rows stored before the trigger, copied (a row the trigger brought already is skipped) ...
COPY_BATCH = (
    f"INSERT INTO {NEXT} SELECT * FROM events WHERE id >= :lower AND id < :upper "  # noqa: S608
    "ON CONFLICT DO NOTHING"
)
# ... and, once all are copied, those a purge deleted while their batch was copying them deleted again.
DELETE_AGAIN = (
    f"DELETE FROM {NEXT} n WHERE n.id >= :lower AND n.id < :upper AND NOT EXISTS "  # noqa: S608
    "(SELECT 1 FROM events o WHERE o.id = n.id AND o.occurred_at = n.occurred_at)"
)


def _in_batches(engine: Engine, statement: str, first: int, last: int) -> int:
    """`statement` over ids first..last, BATCH_IDS at a time, each batch a transaction; the rows it touched."""
    touched, lower = 0, first
    while lower <= last:
        with engine.begin() as connection:
            touched += connection.execute(
                text(statement), {"lower": lower, "upper": lower + BATCH_IDS}
            ).rowcount
        lower += BATCH_IDS
    return touched


def _swap_with_retries(engine: Engine) -> None:
    def attempt() -> None:
        with engine.begin() as connection:
            connection.execute(text(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'"))
            _swap(connection)

    _retried(attempt)


def _swap_in_savepoint(connection: Connection) -> None:
    with connection.begin_nested():
        connection.execute(text(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'"))
        _swap(connection, copy_all=True)


def _retried(swap: Callable[[], None]) -> None:
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            swap()
            return
        except OperationalError as exc:
            if not isinstance(exc.orig, psycopg.errors.LockNotAvailable) or attempt == SWAP_ATTEMPTS:
                raise
            time.sleep(0.5)  # statements held a lock: let the queue behind us drain, then again
