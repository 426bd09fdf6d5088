"""Unsigned JSON on the event webhook route costs a scan, never a decoded document: the intake's own peak
allocation per request, traced exactly, stays under twice the body, while decoding the same body would take
many times it. Signed JSON is decoded as before."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder

from app.core import json_body
from app.web.factory import create_app
from tests.conftest import sign

Status = list[str]


@pytest.fixture
def client(settings_for, db_url: str) -> FlaskClient:  # type: ignore[no-untyped-def]
    return create_app(settings_for(db_url)).test_client()


MIB = 1024 * 1024
BODIES = {
    "empty objects": b"[" + b"{}," * (MIB // 3 - 2) + b"{}]",
    "look-alike signature blocks": b"[" + b'{"signature": {"token": "t"}},' * 33_000 + b"{}]",
    "one deep string": b'{"event-data": {"x": "' + b"a" * (MIB - 64) + b'"}}',
}


def peak_of(work: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("case", list(BODIES))
def test_unsigned_json_costs_under_twice_its_size(client: FlaskClient, case: str) -> None:
    body = BODIES[case]

    def request() -> dict[str, object]:
        # Built before the trace starts: the body as the server hands it over, not a copy the test makes.
        builder = EnvironBuilder(
            path="/webhooks/mailgun", method="POST", input_stream=io.BytesIO(body),
            content_type="application/json", content_length=len(body),
        )  # fmt: skip
        return builder.get_environ()

    def post(environ: dict[str, object]) -> None:
        status: Status = []
        answer = client.application(environ, lambda line, headers: status.append(line))
        b"".join(answer)
        assert status[0].startswith("401"), status

    post(request())  # warm: the route's first request imports and compiles what it needs
    environ = request()
    peak = peak_of(lambda: post(environ))
    print(f"{case}: {len(body) / MIB:.2f} MiB -> peak {peak / MIB:.2f} MiB")
    assert peak < 2 * len(body)
    if case != "one deep string":  # what the scan avoided: the body decoded
        assert peak_of(lambda: json_body.loads(body, exact=False)) > 4 * len(body)


def test_signed_json_is_still_decoded_and_stored(client: FlaskClient) -> None:
    document = {"signature": sign(), "event-data": {"event": "delivered", "id": "x", "timestamp": 1.0}}
    answer = client.post("/webhooks/mailgun", data=json.dumps(document), content_type="application/json")
    assert answer.status_code == 200
