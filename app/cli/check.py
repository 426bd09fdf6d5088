"""`mailhook check`: settings, database, broker and every domain in its region, one line each.

Exit status: 0 all good, 1 a problem was found, 2 the settings themselves are wrong.
"""

from __future__ import annotations

import click

from app.cli.common import OK, PROBLEMS, settings_or_exit
from workers.ops.checks import check_all


@click.command()
def check() -> None:
    """Check that this deployment can work.

    Settings, database and schema, broker, each domain's region and key, and its last poll.
    """
    settings = settings_or_exit()
    click.echo(f"ok       settings: valid ({settings.env}, {len(settings.domain_regions)} domains)")
    code = OK
    for finding in check_all(settings):
        label = "WARNING" if finding.warning else "ok" if finding.ok else "PROBLEM"
        click.echo(f"{label:<8} {finding.subject}: {finding.detail}")
        code = code if finding.ok else PROBLEMS
    raise SystemExit(code)
