"""What a web process holds for its lifetime: settings, the database engine, the drain waker."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

from celery import Celery
from flask import current_app
from sqlalchemy import Engine

from app.broker import celery_config
from app.db import get_engine
from app.inbox import InboxWriter, inbox_writer
from app.settings import Settings
from app.task_names import DRAIN_INBOX, QUEUE_INBOX
from app.wake import DrainWaker


@dataclass
class Services:
    settings: Settings
    waker: DrainWaker = field(init=False)

    def __post_init__(self) -> None:
        self.waker = DrainWaker(self._publish_drain)

    @cached_property
    def engine(self) -> Engine:
        return get_engine(self.settings)

    @cached_property
    def inbox(self) -> InboxWriter:
        threads = int(os.environ.get("GUNICORN_THREADS", "8"))
        return inbox_writer(self.settings.database_url, self.engine, self.settings.group_commit, threads)

    @cached_property
    def celery_client(self) -> Celery:
        """A publisher only: the web sends tasks by name and never imports the workers."""
        client = Celery("mailhook-web")
        client.conf.update(celery_config(self.settings))
        return client

    def _publish_drain(self) -> None:
        self.celery_client.send_task(DRAIN_INBOX, queue=QUEUE_INBOX)


def services() -> Services:
    return current_app.extensions["mailhook"]
