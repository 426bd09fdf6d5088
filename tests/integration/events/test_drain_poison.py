"""A delivery that cannot be stored never holds the queue: it becomes a dead letter with its reason, and every
other row of its batch is stored as if it were not there. Real Postgres and SQLite.

The poisons: a signed webhook nested deeper than the payload encoders go (orjson stops at 254 levels on
Postgres, json.dumps at the recursion limit on SQLite), a legacy post whose user variables hold an integer
beyond 64 bits, and rows the database itself refuses (a trigger): that last one stays poison whatever the
encoders learn.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, func, insert, select, text, update

from app.core.models.events import Event
from app.core.models.inbox import InboxRow
from app.core.replay import replay
from tests.conftest import payload
from tests.integration.events.test_drain import deliver, json_event, statuses
from workers.events.claims import MAX_ATTEMPTS, claim_batch
from workers.events.drain import BATCH_SIZE, drain_batch, drain_until_empty

# Past what each store's payload encoding takes (see the module's docstring).
POISON_DEPTH = {"postgresql": 300, "sqlite": 1010}
ROWS = 2 * BATCH_SIZE + 100


def nested_event(depth: int) -> bytes:
    """A signed webhook whose event data holds an object nested `depth` levels deep."""
    body = json_event().decode()
    deep = '{"a": ' * depth + "{}" + "}" * depth
    return body.replace('"event-data": {', '"event-data": {"x-deep": ' + deep + ", ", 1).encode()


def legacy_with_variables(variables: str) -> bytes:
    fields = payload("delivered.legacy-form.anymail.json")["fields"]
    pairs = [(k, v) for k, vs in fields.items() for v in (vs if isinstance(vs, list) else [vs])]
    out = []
    for name, value in pairs:
        if name == "message-headers":
            value = json.dumps([*json.loads(value), ["X-Mailgun-Variables", variables]])
        elif name == "Message-Id":
            value = f"<{uuid.uuid4().hex}@example.com>"
        out.append((name, value))
    return urlencode(out).encode()


def deliver_batch_with(engine: Engine, poisons: dict[int, bytes], kind: str = "webhook") -> list[str]:
    """ROWS deliveries as the intake keeps them, the poisons at their positions; the poisons' tokens.
    Written in one transaction: the drain is under test, not the intake."""
    form = "application/x-www-form-urlencoded"
    rows = [
        pending_row(poisons[n], kind, "application/json" if kind == "webhook" else form)
        if n in poisons
        else pending_row(json_event(), "webhook", "application/json")
        for n in range(ROWS)
    ]
    with engine.begin() as connection:
        connection.execute(insert(InboxRow), rows)
    return [rows[n]["token"] for n in sorted(poisons)]


def pending_row(body: bytes, kind: str, content_type: str) -> dict[str, Any]:
    return {
        "token": uuid.uuid4().hex,
        "kind": kind,
        "route": "webhooks",
        "content_type": content_type,
        "body": body,
        "headers": {},
        "received_at": datetime.now(UTC),
    }


def rows_of(engine: Engine, tokens: list[str]) -> list[tuple[str, str | None, int]]:
    with engine.connect() as connection:
        found = connection.execute(
            select(InboxRow.status, InboxRow.error, InboxRow.attempts).where(InboxRow.token.in_(tokens))
        ).all()
    return [tuple(row) for row in found]  # type: ignore[misc]


def event_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Event)) or 0)


MARK = "refused-"


def refuse_marked(engine: Engine, errcode: str = "check_violation") -> None:
    """From now on the database refuses every event whose Mailgun id starts with MARK (Postgres: with this
    SQLSTATE), whatever the encoders learn to take."""
    with engine.begin() as connection:
        if engine.dialect.name != "postgresql":
            connection.execute(
                text(
                    f"CREATE TRIGGER refuse_marked BEFORE INSERT ON events WHEN NEW.mailgun_event_id LIKE "
                    f"'{MARK}%' BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"
                )
            )
            return
        connection.execute(
            text(
                "CREATE OR REPLACE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN IF NEW.mailgun_event_id LIKE '{MARK}%' THEN "
                f"RAISE EXCEPTION 'refused by a test trigger' USING ERRCODE = '{errcode}'; "
                "END IF; RETURN NEW; END $$"
            )
        )
        connection.execute(
            text(
                "CREATE TRIGGER refuse_marked BEFORE INSERT ON events "
                "FOR EACH ROW EXECUTE FUNCTION refuse_marked()"
            )
        )


def stop_refusing(engine: Engine) -> None:
    on_table = " ON events" if engine.dialect.name == "postgresql" else ""
    with engine.begin() as connection:
        connection.execute(text(f"DROP TRIGGER IF EXISTS refuse_marked{on_table}"))


@pytest.fixture
def refused(engine: Engine) -> Iterator[str]:
    refuse_marked(engine)
    yield MARK
    stop_refusing(engine)


def test_nested_poison_in_large_batches_is_a_dead_letter_and_the_rest_is_stored(
    engine: Engine, settings_for: Any, db_url: str
) -> None:
    deep = nested_event(POISON_DEPTH[engine.dialect.name])
    poisons = deliver_batch_with(engine, {250: deep, BATCH_SIZE + 250: deep})

    _, more = drain_until_empty(engine, settings_for(db_url))

    assert more is False
    assert statuses(engine) == {"done": ROWS - 2, "dead": 2}
    assert event_count(engine) == ROWS - 2
    assert all(status == "dead" and error for status, error, _ in rows_of(engine, poisons))


def test_a_big_integer_never_holds_its_batch(engine: Engine, settings_for: Any, db_url: str) -> None:
    poisons = deliver_batch_with(
        engine, {300: legacy_with_variables('{"n": 1180591620717411303424}')}, kind="legacy_webhook"
    )

    drain_until_empty(engine, settings_for(db_url))

    counts = statuses(engine)
    assert "pending" not in counts
    # Stored exactly where the payload encoding keeps big numbers, a dead letter with its reason elsewhere.
    [(status, error, _)] = rows_of(engine, poisons)
    assert (status, event_count(engine)) in (("done", ROWS), ("dead", ROWS - 1))
    assert status == "done" or error


def test_rows_the_database_refuses_are_dead_letters_with_the_reason(
    engine: Engine, settings_for: Any, db_url: str, refused: str
) -> None:
    def marked() -> bytes:
        return json_event(f"{refused}{uuid.uuid4().hex}")

    poisons = deliver_batch_with(engine, {n: marked() for n in (0, 7, 249, 250, 251, 499, BATCH_SIZE + 99)})

    drain_until_empty(engine, settings_for(db_url))

    assert statuses(engine) == {"done": ROWS - 7, "dead": 7}
    assert event_count(engine) == ROWS - 7
    for status, error, attempts in rows_of(engine, poisons):
        assert (status, attempts) == ("dead", 1)
        assert error is not None and "could not be stored" in error


def test_a_row_whose_work_never_finishes_is_given_up_after_bounded_attempts(
    engine: Engine, settings_for: Any, db_url: str
) -> None:
    """As a worker killed mid-batch leaves it: each attempt was counted when the row was claimed."""
    settings = settings_for(db_url)
    doomed = deliver(engine, json_event())
    for _ in range(MAX_ATTEMPTS):
        assert [row.id for row in claim_batch(engine, BATCH_SIZE).rows]  # claimed; the worker then dies
        expire_claims(engine)
    others = [deliver(engine, json_event()) for _ in range(3)]

    result = drain_batch(engine, settings)
    drain_until_empty(engine, settings)

    assert result.dead == 1
    [(status, error, attempts)] = rows_of(engine, [doomed])
    assert (status, attempts) == ("dead", MAX_ATTEMPTS)
    assert error is not None and f"gave up after {MAX_ATTEMPTS} attempts" in error
    assert {status for status, _, _ in rows_of(engine, others)} == {"done"}
    assert event_count(engine) == 3


def test_rows_of_an_unfinished_batch_are_tried_again_in_smaller_groups(
    engine: Engine, settings_for: Any, db_url: str
) -> None:
    """The innocent rows of a batch whose worker died are stored on their next attempts, in ever smaller
    groups, so the row that kills the worker cannot take them all with it each time."""
    tokens = deliver_batch_with(engine, {n: json_event() for n in range(ROWS)})[:BATCH_SIZE]
    assert len(claim_batch(engine, BATCH_SIZE).rows) == BATCH_SIZE  # and the worker dies
    expire_claims(engine)

    first = drain_batch(engine, settings_for(db_url))
    drain_until_empty(engine, settings_for(db_url))

    assert first.claimed == BATCH_SIZE // 4
    assert {(status, attempts) for status, _, attempts in rows_of(engine, tokens)} == {("done", 2)}
    assert statuses(engine) == {"done": ROWS}


def test_a_claimed_row_is_not_claimed_again_while_its_claim_holds(engine: Engine) -> None:
    deliver(engine, json_event())
    assert len(claim_batch(engine, BATCH_SIZE).rows) == 1
    assert claim_batch(engine, BATCH_SIZE).rows == []


def expire_claims(engine: Engine) -> None:
    """Time passes: every claim has run out."""
    with engine.begin() as connection:
        connection.execute(update(InboxRow).values(claimed_until=None))


def test_a_replayed_dead_letter_starts_its_attempts_afresh(
    engine: Engine, settings_for: Any, db_url: str
) -> None:
    doomed = deliver(engine, json_event())
    for _ in range(MAX_ATTEMPTS):
        claim_batch(engine, BATCH_SIZE)
        expire_claims(engine)
    drain_batch(engine, settings_for(db_url))
    with engine.begin() as connection:
        [row_id] = connection.scalars(select(InboxRow.id).where(InboxRow.token == doomed))
        assert replay(connection, [row_id]) == [row_id]

    drain_batch(engine, settings_for(db_url))

    assert rows_of(engine, [doomed]) == [("done", None, 1)]
