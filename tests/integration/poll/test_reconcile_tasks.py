"""The Celery side: beat schedules the poll and the purge; both tasks run the same functions as the CLI."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from sqlalchemy import Engine, select

from app.core.models.events import Event
from app.core.models.inbound import InboundAttachmentRow, InboundMessageRow
from app.core.models.inbox import InboxRow
from app.core.settings import PollSettings
from app.core.task_names import POLL_EVENTS, PURGE_EXPIRED
from tests.integration.reconcile_support import (
    US,
    Fakes,
    count,
    event_item,
    now,
    seed_old_and_new,
    settings_for_fakes,
)
from workers.celery import beat_schedule, create_celery


def test_beat_polls_at_the_configured_interval_and_purges_daily(fakes: Fakes, tmp_path: Path) -> None:
    settings = settings_for_fakes("sqlite:///unused", fakes, tmp_path, poll=PollSettings(interval=42.0))
    schedule = beat_schedule(settings)
    assert (schedule["poll-events"]["task"], schedule["poll-events"]["schedule"]) == (POLL_EVENTS, 42.0)
    assert schedule["purge-expired"]["task"] == PURGE_EXPIRED
    assert isinstance(schedule["purge-expired"]["schedule"], crontab)


def test_the_poll_task_stores_what_the_webhooks_missed(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    settings = settings_for_fakes(db_url, fakes, tmp_path)
    fakes.us.add_events(US, [event_item(now() - timedelta(hours=h)) for h in (2, 1)])
    celery = create_celery(settings)
    celery.loader.import_default_modules()  # TASK_MODULES, as a worker imports them

    assert celery.tasks[POLL_EVENTS].apply().get() == 2
    assert celery.tasks[POLL_EVENTS].apply().get() == 0  # the cursor moved: nothing new


def test_the_purge_task_applies_the_retention(
    engine: Engine, db_url: str, fakes: Fakes, tmp_path: Path
) -> None:
    seed_old_and_new(engine)
    celery = create_celery(settings_for_fakes(db_url, fakes, tmp_path, retention_days=30))
    celery.loader.import_default_modules()

    assert celery.tasks[PURGE_EXPIRED].apply().get() == 5

    assert count(engine, Event) == 1
    with engine.connect() as connection:
        assert sorted(connection.scalars(select(InboxRow.status))) == ["done", "pending"]
    assert (count(engine, InboundMessageRow), count(engine, InboundAttachmentRow)) == (1, 0)
