"""`mailhook replay`: dead letters back to pending, by id or by filter, and the drain woken to take them.

Filters and --all look in every database (app/core/stores.py), or in the one --region names. Inbox ids are per
database: with DATABASE_URL_EU set, ids need --region to say whose; each line then names its database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace as with_changes
from datetime import datetime

import click
from sqlalchemy import Engine

from app.cli.common import OK, PROBLEMS, parse_moment, settings_or_exit
from app.core.db import make_engine
from app.core.models.inbox_vocab import REPLAYABLE
from app.core.regions import REGIONS
from app.core.replay import DeadFilter, Letter, find_letters, matching_dead, replay
from app.core.settings import Settings
from app.core.stores import Store, split, store_for_region, stores


def _moment(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    return parse_moment(value) if value else None


@click.command(name="replay")
@click.argument("ids", nargs=-1, type=click.IntRange(min=1))
@click.option(
    "--kind", help="Only rows of this inbox kind (webhook, legacy_webhook, events_api, inbound ...)."
)
@click.option("--error-contains", help="Only rows whose error contains this text.")
@click.option("--domain", help="Only rows for this domain (its URL hint, or the domain polled).")
@click.option("--since", callback=_moment, help="Only rows received since (6h, 2d, RFC 3339 or epoch).")
@click.option("--all", "everything", is_flag=True, help="Every dead letter (up to --limit).")
@click.option(
    "--region",
    type=click.Choice(REGIONS),
    help="Only the database keeping this region's data (with DATABASE_URL_EU set, IDS need it).",
)
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(min=1))
@click.option("--dry-run", is_flag=True, help="List what would be replayed; change nothing.")
def replay_command(ids: tuple[int, ...], kind: str | None, error_contains: str | None, domain: str | None,
                   since: datetime | None, everything: bool, region: str | None, limit: int,
                   dry_run: bool) -> None:  # fmt: skip
    """Replay dead letters through the drain.

    The rows named by IDS, matching the filters, or --all go back to pending; the drain is woken.
    """
    wanted = DeadFilter(kind, error_contains, since, domain, limit)
    if sum((bool(ids), not wanted.empty, everything)) != 1:
        raise click.UsageError("name dead letters by IDS, or by filters (--kind, --error-contains, --domain, "
                               "--since), or --all: one of the three")  # fmt: skip
    settings = settings_or_exit()
    chosen = _chosen(settings, region, by_id=bool(ids))
    if ids:
        code = _by_ids(chosen[0], list(ids), dry_run, _label(settings, chosen[0]))
    else:
        code = _by_filter(settings, chosen, wanted, dry_run)
    if not dry_run:
        _wake_drain(settings)
    raise SystemExit(code)


def _chosen(settings: Settings, region: str | None, by_id: bool) -> list[Store]:
    if region is not None:
        return [store_for_region(settings, region)]
    if by_id and split(settings):
        raise click.UsageError("inbox ids are per database when DATABASE_URL_EU is set: say whose with "
                               "--region")  # fmt: skip
    return list(stores(settings))


@contextmanager
def _engine(store: Store) -> Iterator[Engine]:
    engine = make_engine(store.url)
    try:
        yield engine
    finally:
        engine.dispose()


def _label(settings: Settings, store: Store) -> str:
    return f"[{store.name}] " if split(settings) else ""


def _by_ids(store: Store, ids: list[int], dry_run: bool, label: str) -> int:
    with _engine(store) as engine, engine.begin() as connection:
        found = find_letters(connection, ids)
        dead = [i for i in ids if i in found and found[i].status in REPLAYABLE]
        flipped = set(dead if dry_run else replay(connection, dead))
    code = OK
    for row_id in ids:
        if row_id in flipped:
            _echo_replayed(found[row_id], dry_run, label)
        else:
            code = PROBLEMS
            why = (
                f"is {found[row_id].status}, only dead rows are replayed" if row_id in found else "not found"
            )
            click.echo(f"{label}{row_id}: {why}")
    return code


def _by_filter(settings: Settings, chosen: list[Store], wanted: DeadFilter, dry_run: bool) -> int:
    """Each database in turn, until --limit rows are found."""
    total = 0
    for store in chosen:
        if total < wanted.limit:
            left = with_changes(wanted, limit=wanted.limit - total)
            total += _filter_one(store, left, dry_run, _label(settings, store))
    verb = "would replay" if dry_run else "replayed"
    click.echo(f"{verb} {total} dead letter{'s' * (total != 1)}")
    return OK


def _filter_one(store: Store, wanted: DeadFilter, dry_run: bool, label: str) -> int:
    with _engine(store) as engine, engine.begin() as connection:
        letters = matching_dead(connection, wanted)
        flipped = (
            {letter.id for letter in letters} if dry_run else set(replay(connection, [x.id for x in letters]))
        )
    for letter in letters:
        if letter.id in flipped:
            _echo_replayed(letter, dry_run, label)
    return len(flipped)


def _echo_replayed(letter: Letter, dry_run: bool, label: str) -> None:
    verb = "would replay" if dry_run else "replayed"
    click.echo(f"{label}{letter.id}: {verb} ({letter.kind}; was: {letter.error or 'no reason recorded'})")


def _wake_drain(settings: Settings) -> None:
    """Best effort: the beat sweeper finds pending rows within seconds anyway."""
    from celery import Celery

    from app.core.broker import celery_config
    from app.core.task_names import DRAIN_TASKS, QUEUE_INBOX

    client = Celery("mailhook-cli")
    client.conf.update(celery_config(settings))
    try:
        for drain in DRAIN_TASKS:  # a replayed row may be in either lane of the inbox
            client.send_task(drain, queue=QUEUE_INBOX)
    except Exception as exc:  # any broker failure: the sweeper still finds the rows
        click.echo(f"drain not woken ({type(exc).__name__}): the inbox sweeper picks the rows up")
    else:
        click.echo("drain worker woken")
