"""The mailing-list mirror, read from each region's API, and the Celery tasks that wire push and refresh up
(run in-process with `apply`, no worker). Real Postgres and SQLite.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from celery import Celery

from app.core.settings import Settings
from app.core.task_names import PUSH_SYNC, REFRESH_LISTS
from tests.integration.sync_support import World, event
from workers.celery import create_celery
from workers.mailgun.client import MailgunError
from workers.signals import connect_signals


def test_the_mirror_holds_every_member_of_every_list_of_its_region(world: World) -> None:
    for i in range(230):  # more than two pages of Mailgun's default 100
        world.us.add_member("Big@Example.com", f"M{i:03d}@x.org", subscribed=i != 7)
    world.eu.add_member("team@example.eu", "eu@x.org")
    assert world.refresh("us").lists == 1
    mirror = world.mirror()
    assert len(mirror) == 230
    assert ("us", "big@example.com", "m007@x.org", False) in mirror
    assert ("us", "big@example.com", "m008@x.org", True) in mirror
    assert world.eu.calls == []
    world.refresh("eu")
    assert {row for row in world.mirror() if row[0] == "eu"} == {("eu", "team@example.eu", "eu@x.org", True)}


def test_a_refresh_follows_mailgun_removals(world: World) -> None:
    world.us.add_member("old@example.com", "a@x.org")
    world.us.add_member("team@example.com", "a@x.org")
    world.us.add_member("team@example.com", "b@x.org")
    world.refresh("us")
    del world.us.state.lists["old@example.com"]
    del world.us.state.lists["team@example.com"].members["b@x.org"]
    world.refresh("us")
    assert world.mirror() == {("us", "team@example.com", "a@x.org", True)}


def test_a_failed_refresh_keeps_the_previous_mirror(world: World) -> None:
    world.us.add_member("team@example.com", "a@x.org")
    world.refresh("us")
    world.us.add_member("team@example.com", "b@x.org")
    world.us.fail_next(3, status=500, path_prefix="/v3/lists/team@example.com/members")
    with pytest.raises(MailgunError):
        world.refresh("us")
    assert world.mirror() == {("us", "team@example.com", "a@x.org", True)}


def celery_for(settings: Settings) -> Celery:
    celery = create_celery(settings)
    celery.loader.import_default_modules()  # what a worker does at start: TASK_MODULES register their tasks
    return celery


def test_the_tasks_refresh_and_push_per_region(world: World) -> None:
    celery = celery_for(world.settings)
    world.us.add_member("team@example.com", "bob@x.org")
    assert celery.tasks[REFRESH_LISTS].apply(args=["us"]).get() == 1
    world.deliver(event("bounce", "bob@x.org", "mg.example.com"))
    assert celery.tasks[PUSH_SYNC].apply(args=["eu"]).get() == 0
    assert celery.tasks[PUSH_SYNC].apply(args=["us"]).get() == 3
    assert world.us.members("team@example.com")[0]["subscribed"] is False
    assert world.eu.calls == []


def test_the_tasks_do_nothing_without_a_key_or_for_an_unknown_region(world: World) -> None:
    keyless = celery_for(replace(world.settings, api_key=None))
    world.deliver(event("bounce", "bob@x.org", "mg.example.com"))
    assert keyless.tasks[PUSH_SYNC].apply(args=["us"]).get() == 0
    assert celery_for(world.settings).tasks[PUSH_SYNC].apply(args=["asia"]).get() == 0
    assert world.us.calls == []
    assert {a.status for a in world.actions()} == {"pending"}


def test_beat_sends_each_syncing_regions_first_refresh_as_it_starts(world: World) -> None:
    from celery.signals import beat_init

    sent: list[tuple[str, list[str]]] = []
    connect_signals(world.settings)  # what a beat process's set-up does (workers.celery.set_up_process)
    celery = celery_for(world.settings)
    celery.send_task = lambda name, args=None, **_: sent.append((name, list(args or [])))  # type: ignore[method-assign]
    beat_init.send(sender=type("BeatService", (), {"app": celery})())
    assert sorted(sent) == [(REFRESH_LISTS, ["eu"]), (REFRESH_LISTS, ["us"])]
    sent.clear()
    keyless = celery_for(replace(world.settings, api_key=None))
    keyless.send_task = lambda name, args=None, **_: sent.append((name, list(args or [])))  # type: ignore[method-assign]
    beat_init.send(sender=type("BeatService", (), {"app": keyless})())
    assert sent == []
