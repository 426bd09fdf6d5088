"""The mailing-list mirror of one region, refreshed from that region's API: when beat starts, on its schedule,
and on demand (`mailhook lists refresh`).

The policy never assumes a membership: it asks this mirror, which holds what Mailgun last listed. Each list
is replaced in its own transaction, so a refresh cut short by an outage leaves every list either old or new,
never half of each; lists Mailgun no longer has leave the mirror only after a complete listing. A complete
listing then converges (workers.sync.convergence): what bounces and complaints still owe the fresh mirror
is queued, so no list effect depends on what the mirror held when the event came.

Each account sees only its own lists: the parent's are read first, then those of every subaccount known to
own a domain in the region (MAILGUN_SUBACCOUNTS, or discovered), on its behalf.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from workers.mailgun.client import MailgunClient
from workers.sync.convergence import converge_lists
from workers.sync.policy import Rules
from workers.sync.store import forget_lists_except, replace_list

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Refreshed:
    lists: int
    members: int
    queued: int  # list unsubscribes owed by bounces and complaints, queued by the convergence


def refresh_region_lists(engine: Engine, region: str, client: MailgunClient, rules: Rules) -> Refreshed:
    """Mirror every list of the region and its members, then queue what the fresh mirror shows still owed."""
    owned = [
        (list_, account)
        for account in (None, *client.subaccount_ids())
        for list_ in client.lists(region, account)
    ]
    listed = [list_ for list_, _ in owned]
    members_seen = 0
    for mailing_list, account in owned:
        members = list(client.members(region, str(mailing_list["address"]), account))
        members_seen += len(members)
        with engine.begin() as connection:
            replace_list(connection, region, mailing_list, members, datetime.now(UTC))
    with engine.begin() as connection:
        forget_lists_except(connection, region, (str(m["address"]) for m in listed))
        queued = converge_lists(connection, region, rules, datetime.now(UTC))
    log.info("mirrored %d mailing lists (%d members) of region %s; %d list unsubscribes queued",
             len(listed), members_seen, region, queued)  # fmt: skip
    return Refreshed(len(listed), members_seen, queued)
