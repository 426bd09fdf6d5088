"""The mailing-list mirror of one region, refreshed from that region's API on a schedule.

The policy never assumes a membership: it asks this mirror, which holds what Mailgun last listed. Each list
is replaced in its own transaction, so a refresh cut short by an outage leaves every list either old or new,
never half of each; lists Mailgun no longer has leave the mirror only after a complete listing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import Engine

from workers.mailgun.client import MailgunClient
from workers.sync.store import forget_lists_except, replace_list

log = logging.getLogger(__name__)


def refresh_region_lists(engine: Engine, region: str, client: MailgunClient) -> int:
    """Mirror every list of the region and its members; the number of lists mirrored."""
    listed = list(client.lists(region))
    for mailing_list in listed:
        members = list(client.members(region, str(mailing_list["address"])))
        with engine.begin() as connection:
            replace_list(connection, region, mailing_list, members, datetime.now(UTC))
    with engine.begin() as connection:
        forget_lists_except(connection, region, (str(m["address"]) for m in listed))
    log.info("mirrored %d mailing lists of region %s", len(listed), region)
    return len(listed)
