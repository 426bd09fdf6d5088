"""The intake's Postgres writer under concurrency: big batches, repeats inside one batch, exact bytes."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, text

from app.core.signing import SignedParts
from app.intake.delivery import Delivery
from app.intake.inbox import PostgresInboxWriter
from tests.conftest import truncate_all


class SlowWriter(PostgresInboxWriter):
    """Each batch waits a little before its statement, so concurrent deliveries pile up into big batches."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.batch_sizes: list[int] = []

    def _write_batch(self, rows: Sequence[list[Any]]) -> list[bool]:
        self.batch_sizes.append(len(rows))
        time.sleep(0.02)
        return super()._write_batch(rows)


@pytest.fixture
def writer(pg_url: str, pg_engine: Engine) -> Iterator[SlowWriter]:
    writer = SlowWriter(pg_url)
    yield writer
    writer.close()
    truncate_all(pg_engine)


def delivery(token: str) -> Delivery:
    return Delivery(
        route="webhooks",
        kind="webhook",
        content_type="application/json",
        body=bytearray(b'{"token": "' + token.encode() + b'", "raw": "\x00\xff\xfe"}'),
        headers={"Content-Type": "application/json", "User-Agent": f"agent {token}"},
        signed=SignedParts(str(int(time.time())), token, "s" * 64),
        region_hint="eu",
        domain_hint=None,
        request_id=f"rid-{token}",
    )


def test_concurrent_deliveries_are_stored_once_each_with_their_bytes(
    writer: SlowWriter, pg_engine: Engine
) -> None:
    tokens = [f"token-{n % 150}" for n in range(300)]  # every token twice, often in the same batch
    with ThreadPoolExecutor(32) as pool:
        outcomes = list(pool.map(lambda token: writer.store(delivery(token)), tokens))

    assert max(writer.batch_sizes) > 5  # statements with more than 50 parameters were written
    stored_by_token: dict[str, int] = {}
    for token, stored in zip(tokens, outcomes, strict=True):
        stored_by_token[token] = stored_by_token.get(token, 0) + stored
    assert set(stored_by_token.values()) == {1}  # exactly one of the two answers says "stored"
    with pg_engine.connect() as conn:
        rows = conn.execute(text("SELECT token, body, headers, region_hint, request_id FROM inbox")).all()
    assert len(rows) == 150
    for token, body, headers, region, request_id in rows:
        assert bytes(body) == bytes(delivery(token).body)
        assert headers == {"Content-Type": "application/json", "User-Agent": f"agent {token}"}
        assert (region, request_id) == ("eu", f"rid-{token}")
