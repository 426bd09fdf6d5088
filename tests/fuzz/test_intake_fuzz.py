"""Hostile input on the three intake routes: never a 500, never a row without a valid signature, and the
drain settles whatever was stored (done or dead) without raising."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote_plus

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from app.core.db import make_engine
from app.core.models.inbox import InboxRow
from app.core.settings import Settings
from app.web.factory import create_app
from tests.conftest import sign, truncate_all
from workers.events.drain import drain_batch
from workers.events.processors import Lane

ROUTES = ("/webhooks/mailgun", "/inbound/mailgun", "/inbound/mailgun/mime")
ALLOWED = {200, 400, 401, 413, 415}
WEBHOOK_LIMIT = 1024 * 1024
CONTENT_TYPES = (
    "application/json",
    "application/json; charset=latin-1",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=B0UNDARY",
    "multipart/form-data",
    "text/plain",
    "application/octet-stream",
    "",
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class Signer:
    """Signs with the test key and remembers every token it signed: only those may ever be stored."""

    def __init__(self) -> None:
        self.tokens: set[str] = set()

    def fields(self, valid: bool) -> dict[str, str]:
        token = uuid.uuid4().hex
        fields = sign(token=token)
        if valid:
            self.tokens.add(token)
        else:
            fields["signature"] = fields["signature"][::-1]
        return fields


def json_bodies(signer: Signer) -> st.SearchStrategy[bytes]:
    documents = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
        max_leaves=20,
    )

    def signed(document: Any, mode: str) -> bytes:
        wrapper = {"event-data": document}
        if mode != "none":
            wrapper["signature"] = signer.fields(mode == "valid")
        return json.dumps(wrapper).encode()

    deep = st.integers(100, 10_000).map(lambda n: b"[" * n + b"]" * n)
    deep_open = st.integers(100, 10_000).map(lambda n: b'{"signature": ' + b"[" * n)
    huge = st.sampled_from([WEBHOOK_LIMIT - 64, WEBHOOK_LIMIT + 1]).map(
        lambda n: b'{"x": "' + b"a" * n + b'"}'
    )
    invalid_utf8 = st.binary(min_size=1, max_size=20).map(lambda b: b'{"signature": {"token": "' + b + b'"}}')
    nul = st.just(b'{"signature": {"token": "\x00", "timestamp": "1\x00", "signature": "\x00"}}')
    return st.one_of(
        st.builds(signed, documents, st.sampled_from(["valid", "invalid", "none"])),
        deep, deep_open, huge, invalid_utf8, nul,
    )  # fmt: skip


def form_pairs(signer: Signer) -> st.SearchStrategy[list[tuple[str, str]]]:
    odd = st.text(max_size=12) | st.sampled_from(["token", "signature", "timestamp", "a\r\nb", "x=y&z", "é"])
    pairs = st.lists(st.tuples(odd, st.text(max_size=40) | st.just("v\r\nX-Injected: 1")), max_size=8)

    def add_signature(fields: list[tuple[str, str]], mode: str) -> list[tuple[str, str]]:
        if mode == "none":
            return fields
        # Last, as Mailgun posts them: an earlier duplicate of a signature field must not win.
        return fields + list(signer.fields(mode == "valid").items())

    return st.builds(add_signature, pairs, st.sampled_from(["valid", "invalid", "none"]))


def urlencoded(fields: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in fields).encode()


def multipart(fields: list[tuple[str, str]], close: bool) -> bytes:
    parts = [
        f'--B0UNDARY\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode("utf-8", "replace")
        for k, v in fields
    ]
    return b"".join(parts) + (b"--B0UNDARY--\r\n" if close else b"")


def requests(signer: Signer) -> st.SearchStrategy[tuple[str, bytes, dict[str, str]]]:
    """(content type, body, extra WSGI environ) with hostile headers now and then."""
    environ = st.sampled_from(
        [
            {},
            {"HTTP_X_REQUEST_ID": "abc\r\nSet-Cookie: owned=1"},
            {"HTTP_AUTHORIZATION": "Bearer test-api-token"},
        ]
    )
    forms = form_pairs(signer)
    return st.one_of(
        st.tuples(st.sampled_from(CONTENT_TYPES), st.binary(max_size=2000), environ),
        st.tuples(st.just("application/json"), json_bodies(signer), environ),
        st.tuples(st.just("application/x-www-form-urlencoded"), forms.map(urlencoded), environ),
        st.tuples(
            st.just("multipart/form-data; boundary=B0UNDARY"),
            st.builds(multipart, forms, st.booleans()),
            environ,
        ),
        st.tuples(st.just("application/json\r\nX-Injected: 1"), json_bodies(signer), environ),
    )


def stored_tokens(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(InboxRow.token)))


def statuses(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.scalars(select(InboxRow.status)))


def run_fuzz(client: FlaskClient, signer: Signer, examples: int) -> Callable[[], None]:
    @settings(FUZZ, max_examples=examples)
    @given(route=st.sampled_from(ROUTES), request=requests(signer))
    def fuzz(route: str, request: tuple[str, bytes, dict[str, str]]) -> None:
        content_type, body, environ = request
        response = client.post(route, data=body, environ_overrides={"CONTENT_TYPE": content_type, **environ})
        assert response.status_code in ALLOWED, (route, content_type, body[:200], response.get_data()[:200])
        assert "\n" not in response.headers.get("X-Request-Id", "")
        assert "X-Injected" not in response.headers and "Set-Cookie" not in response.headers

    return fuzz


def check_and_drain(engine: Engine, settings_: Settings, signer: Signer) -> None:
    tokens = stored_tokens(engine)
    assert set(tokens) <= signer.tokens, set(tokens) - signer.tokens
    for lane in Lane:
        while drain_batch(engine, settings_, lane=lane).claimed:  # a crashed drain raises here
            pass
    assert statuses(engine) <= {"done", "dead"}


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def test_intake_survives_hostile_input_on_sqlite(
    sqlite_url: str, sqlite_engine: Engine, settings_for
) -> None:  # type: ignore[no-untyped-def]
    signer, settings_ = Signer(), settings_for(sqlite_url)
    run_fuzz(create_app(settings_).test_client(), signer, 150)()
    assert signer.tokens, "the strategies never produced a validly signed delivery"
    check_and_drain(sqlite_engine, settings_, signer)


@pytest.mark.postgres
def test_intake_survives_hostile_input_on_postgres(pg_url: str, pg_engine: Engine, settings_for) -> None:  # type: ignore[no-untyped-def]
    signer, settings_ = Signer(), settings_for(pg_url)
    try:
        run_fuzz(create_app(settings_).test_client(), signer, 40)()
        check_and_drain(pg_engine, settings_, signer)
    finally:
        truncate_all(pg_engine)


def test_a_clean_signed_json_delivery_is_stored(sqlite_url: str, sqlite_engine: Engine, settings_for) -> None:  # type: ignore[no-untyped-def]
    """The oracle above is only meaningful if valid deliveries do get through."""
    signer = Signer()
    body = json.dumps({"signature": signer.fields(True), "event-data": {}}).encode()
    client = create_app(settings_for(sqlite_url)).test_client()
    assert client.post(ROUTES[0], data=body, content_type="application/json").status_code == 200
    assert stored_tokens(sqlite_engine) == list(signer.tokens)
