"""`mailhook check`: is this deployment able to work? Each database, broker, and each domain in its region.

Every check returns findings instead of raising, so one problem never hides the next. Nothing here prints
the API key or a database password: Mailgun's answers and exception classes only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from app.core.broker import broker_reachable
from app.core.db import make_engine
from app.core.migrate import alembic_config
from app.core.models.polling import PollCursor
from app.core.partition_periods import DEFAULT_PARTITION, ahead, gaps
from app.core.partitions import DEFAULT_ROWS_COUNTED, default_rows, is_partitioned, partitions
from app.core.settings import Settings
from app.core.stores import Store, split, store_for_region, stores
from workers.mailgun.client import MailgunClient, MailgunError, Pacing

# A check answers within seconds: no retries, a short timeout.
CHECK_PACING = Pacing(timeout=5.0, retries=0, backoff=0.1, max_wait=0.0)
# Whether a replica is a standby, and how far its replay is behind (0 when it has replayed all it received;
# an idle primary writes no commits, so the time of the last one replayed alone would look like lag).
REPLICA_STATE = (
    "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
)


@dataclass(frozen=True, slots=True)
class Finding:
    ok: bool
    subject: str
    detail: str
    warning: bool = False  # worth a look, but nothing fails for it: the exit status stays 0


def check_all(settings: Settings) -> Iterator[Finding]:
    databases = {store.name: check_store(store, _subject(settings, store)) for store in stores(settings)}
    yield from databases.values()
    for store in stores(settings):
        if store.read_url is not None:
            yield check_replica(store.read_url, f"{_subject(settings, store)} replica")
        if databases[store.name].ok:
            yield from check_partitions(store, _subject(settings, store), settings.event_partitions)
    yield check_broker(settings)
    yield from check_mailgun(settings)
    yield from check_polls(settings, {name for name, finding in databases.items() if finding.ok})


def check_store(store: Store, subject: str) -> Finding:
    engine = make_engine(store.url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        return Finding(False, subject, f"unreachable: {_first_line(exc)}")
    finally:
        engine.dispose()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if current != head:
        return Finding(False, subject, f"schema at {current or 'nothing'}, this code needs {head}: "
                       "run `mailhook db upgrade`")  # fmt: skip
    return Finding(True, subject, f"reachable, schema at {head}")


def check_replica(url: str, subject: str) -> Finding:
    """A database's streaming replica (DATABASE_URL_READ, DATABASE_URL_EU_READ): it answers, it is a standby,
    it has replayed the schema, and how far behind its replay is (reported, never a problem by itself)."""
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            standby, behind = connection.execute(text(REPLICA_STATE)).one()
    except SQLAlchemyError as exc:
        return Finding(False, subject, f"unreachable: {_first_line(exc)}")
    finally:
        engine.dispose()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if not standby:
        return Finding(False, subject, "answers, but is no standby (pg_is_in_recovery() is false)")
    if current != head:
        return Finding(False, subject, f"schema at {current or 'nothing'}, this code needs {head}: it "
                       "replays `mailhook db upgrade` from its primary")  # fmt: skip
    lag = "nothing replayed yet" if behind is None else f"replay {float(behind):.1f} s behind"
    return Finding(True, subject, f"standby, schema at {head}, {'replay caught up' if behind == 0 else lag}")


def check_partitions(store: Store, subject: str, period: str) -> Iterator[Finding]:
    """On a partitioned `events`: the default partition empty, and the next period's partition made."""
    engine = make_engine(store.url)
    try:
        with engine.connect() as connection:
            if not is_partitioned(connection):
                return
            held = default_rows(connection)
            covered = [p.range for p in partitions(connection) if p.range is not None]
    finally:
        engine.dispose()
    subject = f"{subject} partitions"
    missing = [r for r in ahead(datetime.now(UTC), period) if gaps(r, covered)]
    if missing:
        since = f"{missing[0].lower:%Y-%m-%d}"
        yield Finding(True, subject, f"no partition yet for events from {since}: the create-partitions "
                      "beat task has not run; `mailhook db upgrade` creates them", warning=True)  # fmt: skip
    if held:
        many = f"at least {held}" if held >= DEFAULT_ROWS_COUNTED else str(held)
        yield Finding(True, subject, f"{many} events in {DEFAULT_PARTITION} (times no partition covers): "
                      "kept and served, but deleted row by row by retention", warning=True)  # fmt: skip
    elif not missing:
        yield Finding(True, subject, f"{len(covered)} partitions, the default one empty")


def _subject(settings: Settings, store: Store) -> str:
    """`database` alone, or which one when a region has its own."""
    return f"database {store.name} ({', '.join(store.regions)})" if split(settings) else "database"


def check_broker(settings: Settings) -> Finding:
    what = "Redis at REDIS_URL" if settings.redis_url else f"filesystem broker in {settings.broker_dir}"
    if broker_reachable(settings):
        return Finding(True, "broker", f"{what} reachable")
    return Finding(False, "broker", f"{what} unreachable")


def check_mailgun(settings: Settings) -> Iterator[Finding]:
    if not settings.domain_regions:
        yield Finding(False, "mailgun", "MAILGUN_DOMAINS is empty: no domain is polled or set up")
        return
    if not settings.api_key:
        yield Finding(False, "mailgun", "MAILGUN_API_KEY is not set: Mailgun cannot be polled or set up")
        return
    for region in sorted(set(settings.domain_regions.values())):
        # A subaccount's domain is probed on its behalf, as every other call on it is made.
        with MailgunClient.for_region(settings, region, CHECK_PACING) as client:
            for domain in settings.domains_in(region):
                yield check_domain(client, domain)


def check_domain(client: MailgunClient, domain: str) -> Finding:
    subject, region = f"{domain} ({client.region})", client.region
    try:
        reply = client.probe_domain(region, domain)
    except MailgunError as exc:
        return Finding(False, subject, f"the {region} API at {client.base_url} did not answer: {exc}")
    if reply.ok:
        return Finding(True, subject, f"answers on {client.base_url} with the configured key")
    if reply.status in (401, 403):
        return Finding(False, subject, f"the {region} API refused the configured key ({reply.status})")
    if reply.status == 404:
        return Finding(
            False, subject, f"not found on the {region} API: another region, or not in this account"
        )
    return Finding(False, subject, f"the {region} API answered {reply.status}: {reply.message}")


def check_polls(settings: Settings, usable: set[str]) -> Iterator[Finding]:
    """Each domain's last Events API poll, as its cursor recorded it in its region's database (if that one
    is `usable`: reachable, at the schema this code needs): a failing poll means gaps stay open."""
    cursors: dict[tuple[str, str], Any] = {}
    for store in stores(settings):
        if store.name in usable:
            cursors.update(_cursors(store))
    for domain, region in sorted(settings.domain_regions.items()):
        if store_for_region(settings, region).name in usable:
            yield _poll_finding(f"poll {domain} ({region})", cursors.get((region, domain)))


def _cursors(store: Store) -> dict[tuple[str, str], Any]:
    engine = make_engine(store.url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(PollCursor).where(PollCursor.region.in_(store.regions)))
            return {(c.region, c.domain): c for c in rows}
    finally:
        engine.dispose()


def _poll_finding(subject: str, cursor: Any) -> Finding:
    if cursor is None or cursor.last_outcome is None:
        return Finding(True, subject, "not polled yet")
    trusted = cursor.trusted_until.isoformat() if cursor.trusted_until else "nothing yet"
    if cursor.last_outcome == "failed":
        return Finding(
            False, subject, f"last poll failed: {cursor.last_error}; events trusted up to {trusted}"
        )
    return Finding(True, subject, f"{cursor.last_outcome.replace('_', ' ')}; events trusted up to {trusted}")


def _first_line(exc: SQLAlchemyError) -> str:
    origin = getattr(exc, "orig", None) or exc
    text = str(origin).strip().splitlines()
    return f"{type(origin).__name__}: {text[0][:200]}" if text else type(origin).__name__
