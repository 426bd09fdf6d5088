"""`mailhook replay`: dead letters back to pending, by id or by filter, and the drain woken to take them."""

from __future__ import annotations

from datetime import datetime

import click
from sqlalchemy import Engine

from app.cli import settings_or_exit
from app.cli.common import OK, PROBLEMS, parse_moment
from app.db import make_engine
from app.replay import DeadFilter, Letter, find_letters, matching_dead, replay
from app.settings import Settings


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
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(min=1))
@click.option("--dry-run", is_flag=True, help="List what would be replayed; change nothing.")
def replay_command(ids: tuple[int, ...], kind: str | None, error_contains: str | None, domain: str | None,
                   since: datetime | None, everything: bool, limit: int, dry_run: bool) -> None:  # fmt: skip
    """Replay dead letters through the drain.

    The rows named by IDS, matching the filters, or --all go back to pending; the drain is woken.
    """
    wanted = DeadFilter(kind, error_contains, since, domain, limit)
    if sum((bool(ids), not wanted.empty, everything)) != 1:
        raise click.UsageError("name dead letters by IDS, or by filters (--kind, --error-contains, --domain, "
                               "--since), or --all: one of the three")  # fmt: skip
    settings = settings_or_exit()
    engine = make_engine(settings.database_url)
    try:
        code = _by_ids(engine, list(ids), dry_run) if ids else _by_filter(engine, wanted, dry_run)
    finally:
        engine.dispose()
    if not dry_run:
        _wake_drain(settings)
    raise SystemExit(code)


def _by_ids(engine: Engine, ids: list[int], dry_run: bool) -> int:
    with engine.begin() as connection:
        found = find_letters(connection, ids)
        dead = [i for i in ids if i in found and found[i].status == "dead"]
        flipped = set(dead if dry_run else replay(connection, dead))
    code = OK
    for row_id in ids:
        if row_id in flipped:
            _echo_replayed(found[row_id], dry_run)
        else:
            code = PROBLEMS
            why = (
                f"is {found[row_id].status}, only dead rows are replayed" if row_id in found else "not found"
            )
            click.echo(f"{row_id}: {why}")
    return code


def _by_filter(engine: Engine, wanted: DeadFilter, dry_run: bool) -> int:
    with engine.begin() as connection:
        letters = matching_dead(connection, wanted)
        flipped = (
            {letter.id for letter in letters} if dry_run else set(replay(connection, [x.id for x in letters]))
        )
    for letter in letters:
        if letter.id in flipped:
            _echo_replayed(letter, dry_run)
    verb = "would replay" if dry_run else "replayed"
    click.echo(f"{verb} {len(flipped)} dead letter{'s' * (len(flipped) != 1)}")
    return OK


def _echo_replayed(letter: Letter, dry_run: bool) -> None:
    verb = "would replay" if dry_run else "replayed"
    click.echo(f"{letter.id}: {verb} ({letter.kind}; was: {letter.error or 'no reason recorded'})")


def _wake_drain(settings: Settings) -> None:
    """Best effort: the beat sweeper finds pending rows within seconds anyway."""
    from celery import Celery

    from app.broker import celery_config
    from app.task_names import DRAIN_INBOX, QUEUE_INBOX

    client = Celery("mailhook-cli")
    client.conf.update(celery_config(settings))
    try:
        client.send_task(DRAIN_INBOX, queue=QUEUE_INBOX)
    except Exception as exc:  # any broker failure: the sweeper still finds the rows
        click.echo(f"drain not woken ({type(exc).__name__}): the inbox sweeper picks the rows up")
    else:
        click.echo("drain worker woken")
