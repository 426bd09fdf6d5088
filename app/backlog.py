"""Backlog gauges read from the database at scrape time: what is waiting, what is dead, how far behind."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from app.metrics import GaugeReading
from app.models import InboxRow

inbox = InboxRow.__table__


def read_backlog(engine: Engine) -> list[GaugeReading]:
    now = datetime.now(UTC)
    with engine.connect() as connection:
        pending, oldest = connection.execute(
            select(func.count(), func.min(inbox.c.received_at)).where(inbox.c.status == "pending")
        ).one()
        dead = connection.execute(
            select(inbox.c.kind, func.count()).where(inbox.c.status == "dead").group_by(inbox.c.kind)
        ).all()
    oldest_age = (now - _utc(oldest)).total_seconds() if oldest is not None else 0.0
    return [
        ("mailhook_database_up", "Whether the database answered this scrape.", [], [([], 1.0)]),
        ("mailhook_inbox_pending", "Inbox rows waiting for the worker.", [], [([], float(pending))]),
        (
            "mailhook_inbox_oldest_pending_age_seconds",
            "Age of the oldest pending inbox row.",
            [],
            [([], max(oldest_age, 0.0))],
        ),
        (
            "mailhook_dead_letters",
            "Inbox rows dead-lettered and not replayed, by kind.",
            ["kind"],
            [([kind], float(count)) for kind, count in dead],
        ),
    ]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
