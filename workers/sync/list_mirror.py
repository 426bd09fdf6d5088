"""The mailing-list mirror of one region, refreshed from that region's API: when beat starts, on its schedule,
and on demand (`mailhook lists refresh`).

The policy never assumes a membership: it asks this mirror, which holds what Mailgun last listed. Each list
is replaced in its own transaction, so a refresh cut short by an outage leaves every list either old or new,
never half of each; lists Mailgun no longer has leave the mirror only after a complete listing. A complete
listing then converges (workers.sync.convergence): what bounces and complaints still owe the fresh mirror
is queued, so no list effect depends on what the mirror held when the event came.
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
    listed = list(client.lists(region))
    members_seen = 0
    for mailing_list in listed:
        members = list(client.members(region, str(mailing_list["address"])))
        members_seen += len(members)
        with engine.begin() as connection:
            replace_list(connection, region, mailing_list, members, datetime.now(UTC))
    with engine.begin() as connection:
        forget_lists_except(connection, region, (str(m["address"]) for m in listed))
        queued = converge_lists(connection, region, rules, datetime.now(UTC))
    log.info("mirrored %d mailing lists (%d members) of region %s; %d list unsubscribes queued",
             len(listed), members_seen, region, queued)  # fmt: skip
    return Refreshed(len(listed), members_seen, queued)
