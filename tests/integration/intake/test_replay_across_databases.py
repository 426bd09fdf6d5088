"""A Mailgun signature token is accepted once across every database, not once per database.

With DATABASE_URL_EU the intake writes each delivery to its region's database. A captured signature
(timestamp, token, signature) replayed with a forged body to another region's webhook URL must be answered as
a replay is answered within one database (200 "already stored") and change nothing: no inbox row, no event,
no suppression for the forged body's recipient. Both stores: two real Postgres databases, two SQLite files.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select

from app.core import migrate
from app.core.db import make_engine
from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from app.core.models.sync import Suppression
from app.core.models.tokens import SignatureToken
from app.core.settings import Settings
from app.core.stores import stores
from app.web.factory import create_app
from tests.conftest import missing_database_url, payload, sign, truncate_all
from workers.events.drain import drain_every_store

US_DOMAIN, EU_DOMAIN = "example.com", "example.eu"
VICTIM = "victim@example.net"
STORED = {"message": "stored"}
ALREADY = {"message": "already stored"}


@pytest.fixture(params=["postgres", "sqlite"])
def settings(request: pytest.FixtureRequest, settings_for: Any, tmp_path: Path) -> Iterator[Settings]:
    """Split databases on either store: the primary one and the EU region's own."""
    if request.param == "postgres":
        pg_url, pg_engine = request.getfixturevalue("pg_url"), request.getfixturevalue("pg_engine")
        eu_url = request.getfixturevalue("eu_url")
        yield replace(settings_for(pg_url), database_url_eu=eu_url)
        truncate_all(pg_engine)
    else:
        urls = [f"sqlite:///{tmp_path / name}" for name in ("primary.sqlite3", "eu.sqlite3")]
        for url in urls:
            migrate.upgrade(url)
        yield replace(settings_for(urls[0]), database_url_eu=urls[1])


@pytest.fixture
def engines(settings: Settings) -> Iterator[dict[str, Engine]]:
    made = {store.name: make_engine(store.url) for store in stores(settings)}
    yield made
    for engine in made.values():
        engine.dispose()


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    app.extensions["mailhook"].close()


def delivered(domain: str) -> dict[str, Any]:
    document = payload("delivered.webhook-json.anymail-real-sanitized.json")
    document["event-data"]["id"] = uuid.uuid4().hex
    document["event-data"]["domain"] = {"name": domain}
    return document


def forged_bounce(domain: str, signature: dict[str, str]) -> dict[str, Any]:
    """What an attacker sends with a captured signature: a hard bounce for someone else's address."""
    document = payload("failed-permanent.webhook-json.anymail.json")
    document["event-data"].update(id=uuid.uuid4().hex, recipient=VICTIM, domain={"name": domain})
    document["signature"] = signature
    return document


def post(app: Flask, document: dict[str, Any], query: str = "") -> tuple[int, Any]:
    answer = app.test_client().post(
        f"/webhooks/mailgun{query}", data=json.dumps(document), content_type="application/json"
    )
    return answer.status_code, answer.get_json()


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def victim_touched(engines: dict[str, Engine]) -> list[str]:
    """Where the forged bounce left a trace: an event or a suppression for the victim, by database."""
    found = []
    for name, engine in engines.items():
        with engine.connect() as connection:
            events = connection.scalar(select(func.count()).where(Event.recipient == VICTIM))
            suppressed = connection.scalar(select(func.count()).where(Suppression.address == VICTIM))
        if events or suppressed:
            found.append(name)
    return found


def test_a_primary_token_replayed_to_the_eu_database_is_already_stored(
    app: Flask, engines: dict[str, Engine], settings: Settings
) -> None:
    signatures = []
    for genuine_query in ("?region=us", "", f"?domain={US_DOMAIN}"):
        genuine = delivered(US_DOMAIN)
        genuine["signature"] = signature = sign()
        assert post(app, genuine, genuine_query) == (200, STORED)
        signatures.append(signature)

    for signature in signatures:
        for replay_query in ("?region=eu", f"?domain={EU_DOMAIN}"):
            assert post(app, forged_bounce(EU_DOMAIN, signature), replay_query) == (200, ALREADY)

    assert count(engines["eu"], InboxRow) == 0
    drain_every_store(settings)
    assert victim_touched(engines) == []
    assert count(engines["primary"], Event) == 3


def test_an_eu_token_replayed_to_the_primary_database_is_already_stored(
    app: Flask, engines: dict[str, Engine], settings: Settings
) -> None:
    genuine = delivered(EU_DOMAIN)
    genuine["signature"] = signature = sign()
    assert post(app, genuine, "?region=eu") == (200, STORED)

    for replay_query in ("", "?region=us", f"?domain={US_DOMAIN}"):
        assert post(app, forged_bounce(US_DOMAIN, signature), replay_query) == (200, ALREADY)

    assert count(engines["primary"], InboxRow) == 0
    drain_every_store(settings)
    assert victim_touched(engines) == []
    assert count(engines["eu"], Event) == 1


def test_a_token_forwarded_by_the_drain_is_still_taken_in_every_database(
    app: Flask, engines: dict[str, Engine], settings: Settings
) -> None:
    """Rows moved between databases by the drain (no hint, or a wrong one) keep their token taken."""
    unhinted = delivered(EU_DOMAIN)  # the primary database first, then forwarded to the EU one
    unhinted["signature"] = unhinted_signature = sign()
    wrongly_hinted = delivered(US_DOMAIN)  # the EU database first, then forwarded to the primary one
    wrongly_hinted["signature"] = wrong_signature = sign()
    assert post(app, unhinted) == (200, STORED)
    assert post(app, wrongly_hinted, "?region=eu") == (200, STORED)
    drain_every_store(settings)
    assert (count(engines["primary"], InboxRow), count(engines["eu"], InboxRow)) == (1, 1)

    for signature in (unhinted_signature, wrong_signature):
        for query in ("", "?region=us", "?region=eu", f"?domain={EU_DOMAIN}"):
            for domain in (US_DOMAIN, EU_DOMAIN):
                forged = forged_bounce(domain, signature)
                assert post(app, forged, query) == (200, ALREADY), (signature, query)

    drain_every_store(settings)
    assert victim_touched(engines) == []
    assert (count(engines["primary"], InboxRow), count(engines["eu"], InboxRow)) == (1, 1)


def test_a_delivery_answered_503_is_stored_when_mailgun_retries_it(
    settings: Settings, engines: dict[str, Engine]
) -> None:
    """The EU database down after the token was taken: the retry is stored, not taken for a replay."""
    genuine = delivered(EU_DOMAIN)
    genuine["signature"] = sign()
    down = create_app(replace(settings, database_url_eu=missing_database_url()))
    try:
        status, _ = post(down, genuine, "?region=eu")
    finally:
        down.extensions["mailhook"].close()
    assert status == 503
    assert count(engines["primary"], SignatureToken) == 1  # taken before the write that failed

    up = create_app(settings)
    try:
        assert post(up, genuine, "?region=eu") == (200, STORED)
        assert post(up, genuine, "?region=eu") == (200, ALREADY)
    finally:
        up.extensions["mailhook"].close()
    assert (count(engines["primary"], InboxRow), count(engines["eu"], InboxRow)) == (0, 1)


@pytest.mark.postgres
def test_concurrent_replays_to_both_regions_store_the_token_once(
    pg_url: str, eu_url: str, pg_engine: Engine, settings_for: Any
) -> None:
    """Group-committed writers of both databases racing on one token: one delivery stored in all."""
    settings = replace(settings_for(pg_url), database_url_eu=eu_url, group_commit=True)
    app = create_app(settings)
    answers: list[tuple[int, Any]] = []
    try:
        for _ in range(5):
            signature, start = sign(), threading.Barrier(16)

            def race(n: int, signature: dict[str, str] = signature, start: threading.Barrier = start) -> None:
                query = "?region=eu" if n % 2 else "?region=us"
                document = forged_bounce(EU_DOMAIN if n % 2 else US_DOMAIN, signature)
                start.wait()
                answers.append(post(app, document, query))

            threads = [threading.Thread(target=race, args=(n,)) for n in range(16)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        app.extensions["mailhook"].close()
    eu_engine = make_engine(eu_url)
    try:
        rows = count(pg_engine, InboxRow) + count(eu_engine, InboxRow)
    finally:
        eu_engine.dispose()
        truncate_all(pg_engine)
    assert rows == 5
    assert sorted(body["message"] for _, body in answers) == ["already stored"] * 75 + ["stored"] * 5
