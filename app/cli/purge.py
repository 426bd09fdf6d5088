"""`mailhook purge`: apply retention now (the beat does it daily with MAILHOOK_RETENTION_DAYS).

Every database is purged (app/core/stores.py); with DATABASE_URL_EU set, each line names its database.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from sqlalchemy import Engine

from app.cli.common import OK, parse_age, settings_or_exit, stamp
from app.core.db import make_engine
from app.core.stores import Store, split, stores
from workers.ops.retention import PURGE_BATCH, cutoff_for, events_partitioned, purge

NOTES = {
    "inbox": "pending rows are kept",
    "inbound_messages": "attachments go with their message",
    "signature_tokens": "tokens taken across split databases",
}


def _age(_ctx: click.Context, _param: click.Parameter, value: str | None) -> timedelta | None:
    return parse_age(value) if value else None


@click.command(name="purge")
@click.option("--older-than", "age", callback=_age,
              help="Age such as 30d, 12h or 30 (days); default: MAILHOOK_RETENTION_DAYS.")  # fmt: skip
@click.option("--batch-size", default=PURGE_BATCH, show_default=True, type=click.IntRange(min=1))
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def purge_command(age: timedelta | None, batch_size: int, dry_run: bool) -> None:
    """Apply the retention now.

    Deletes events, inbox rows (never pending ones) and inbound messages older than the age. On Postgres,
    partitions of events wholly older than the age are dropped whole.
    """
    settings = settings_or_exit()
    age = age or timedelta(days=settings.retention_days)
    cutoff = cutoff_for(age.total_seconds() / 86400)
    click.echo(f"{'counting' if dry_run else 'deleting'} rows older than {stamp(cutoff)} ({age})")
    for store in stores(settings):
        _purge_store(store, cutoff, batch_size, dry_run, f"[{store.name}] " if split(settings) else "")
    raise SystemExit(OK)


def _purge_store(store: Store, cutoff: datetime, batch_size: int, dry_run: bool, label: str) -> None:
    engine = make_engine(store.url)
    try:
        notes = {**NOTES, "events": _events_note(engine)}
        for done in purge(engine, cutoff, batch=batch_size, dry_run=dry_run):
            verb = (
                "would be deleted"
                if dry_run
                else f"deleted in {done.batches} batch(es) of {batch_size} at most"
                + (f" or with {done.partitions} whole partition(s) dropped" if done.partitions else "")
            )
            note = notes.get(done.table)
            click.echo(f"{label}{done.table}: {done.rows} {verb}" + (f" ({note})" if note else ""))
    finally:
        engine.dispose()


def _events_note(engine: Engine) -> str:
    if events_partitioned(engine):
        return "partitioned: partitions wholly older are dropped, rows deleted only in the one straddling it"
    return "the table is not partitioned: rows are deleted in bounded batches"
