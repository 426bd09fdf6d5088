"""The `mailhook` command: run the service, migrate, sign test payloads, operate."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """mailhook: Mailgun webhooks and inbound mail, kept and acted on."""


def main() -> None:
    from app.cli import check, db, lists, purge, reconcile, replay, routes, run, sign, webhooks

    cli.add_command(run.run)
    cli.add_command(db.db)
    cli.add_command(sign.sign)
    for command in (reconcile.reconcile, webhooks.webhooks, routes.routes, replay.replay_command,
                    check.check, purge.purge_command, lists.lists):  # fmt: skip
        cli.add_command(command)
    cli(prog_name="mailhook")
