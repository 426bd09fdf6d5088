"""What a web process holds for its lifetime: settings, engines and inbox writers, the drain waker."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from celery import Celery
from flask import current_app
from sqlalchemy import Engine

from app.core.broker import celery_config
from app.core.db import get_engine, store_engines, store_read_engines
from app.core.domain_health import DomainHealthCache
from app.core.reading import Reading
from app.core.settings import Settings
from app.core.stores import Store, delivery_region, split, store_for_region
from app.core.task_names import DRAIN_TASKS, QUEUE_INBOX
from app.intake.delivery import Delivery
from app.intake.inbox import InboxWriter, inbox_writer
from app.intake.tokens import TokenRule, taker_for
from app.intake.wake import DrainWaker


@dataclass
class Services:
    settings: Settings
    waker: DrainWaker = field(init=False)

    def __post_init__(self) -> None:
        self.waker = DrainWaker(self._publish_drain, DRAIN_TASKS)

    @cached_property
    def domain_health(self) -> DomainHealthCache:
        """Domain health as the console and /metrics show it, read at most every 30 s by this process."""
        return DomainHealthCache()

    @cached_property
    def day_counts(self) -> Reading[Any]:
        """The dashboard overview's 24 h event counts, read at most every 30 s by this process."""
        return Reading(30.0)

    @cached_property
    def engine(self) -> Engine:
        return get_engine(self.settings)

    def databases(self) -> list[tuple[Store, Engine]]:
        """Every database with its engine, the primary one first (one only unless DATABASE_URL_EU is set)."""
        return store_engines(self.settings)

    def read_databases(self) -> list[tuple[Store, Engine]]:
        """Every database with the engine for reads that may lag: its streaming replica's, where it has one
        (DATABASE_URL_READ, DATABASE_URL_EU_READ), else its own."""
        return store_read_engines(self.settings)

    def replicas(self) -> list[tuple[Store, Engine]]:
        """The databases that have a streaming replica, each with the replica's engine."""
        return [(store, engine) for store, engine in self.read_databases() if store.read_url is not None]

    def engines(self) -> list[Engine]:
        return [engine for _, engine in self.databases()]

    def inbox_for(self, delivery: Delivery) -> InboxWriter:
        """The writer of the database keeping the delivery's region (the primary one if it does not say)."""
        region = delivery_region(self.settings, delivery.region_hint, delivery.domain_hint)
        return self._inboxes[store_for_region(self.settings, region).name]

    @cached_property
    def _inboxes(self) -> dict[str, InboxWriter]:
        settings = self.settings
        databases = self.databases()
        primary, primary_engine = databases[0]
        return {
            store.name: inbox_writer(
                store.url,
                engine,
                settings.group_commit,
                settings.web_threads,
                self._token_rule(store, primary, primary_engine),
                settings.group_committers,
            )
            for store, engine in databases
        }

    def _token_rule(self, store: Store, primary: Store, primary_engine: Engine) -> TokenRule | None:
        """With a database per region, every token is taken in the primary database (app/intake/tokens.py)."""
        if not split(self.settings):
            return None
        if store.name == primary.name:
            return TokenRule(store.name)
        return TokenRule(store.name, taker_for(primary.url, primary_engine, store.name))

    def close(self) -> None:
        """Release the inbox writers' connections, if any delivery opened them."""
        for writer in self.__dict__.get("_inboxes", {}).values():
            writer.close()

    @cached_property
    def celery_client(self) -> Celery:
        """A publisher only: the web sends tasks by name and never imports the workers."""
        client = Celery("mailhook-web")
        client.conf.update(celery_config(self.settings))
        return client

    def _publish_drain(self, task: str) -> None:
        self.celery_client.send_task(task, queue=QUEUE_INBOX)


def services() -> Services:
    return current_app.extensions["mailhook"]
