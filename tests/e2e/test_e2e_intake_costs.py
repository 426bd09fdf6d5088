"""Unsigned requests cost the web process little: a real gunicorn worker's memory, read from /proc, while
big unsigned bodies arrive on the inbound route (30 MiB limit).

Each case's peak RSS growth must stay under twice the bodies in flight: the body itself is kept (it is
stored once the signature holds), nothing proportional to the number of fields or parts is.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.web_process import MIB, WebProcess, one_web_process

pytestmark = pytest.mark.e2e

LIMIT = 30 * MIB
BOUNDARY = "b0und4ry"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
URLENCODED = "application/x-www-form-urlencoded"


@pytest.fixture
def web(service_env: dict[str, str], tmp_path: Path, db_url_cleanup: None) -> Iterator[WebProcess]:
    with one_web_process(service_env, tmp_path) as running:
        yield running


def many_fields(size: int) -> bytes:
    """Distinct short field names, `size` bytes in all: millions of fields."""
    fields = bytearray()
    number = 0
    while len(fields) < size - 16:
        fields += b"%x=&" % number
        number += 1
    return bytes(fields + b"x" * (size - len(fields)))


def many_parts(count: int) -> bytes:
    part = b'--%s\r\nContent-Disposition: form-data; name="f%%d"\r\n\r\nv\r\n' % BOUNDARY.encode()
    return b"".join(part % n for n in range(count)) + b"--%s--\r\n" % BOUNDARY.encode()


def endless_header(size: int) -> bytes:
    """One part whose header block never ends: a decoder that buffers headers holds all of it."""
    head = b'--%s\r\nContent-Disposition: form-data; name="x"; filename="' % BOUNDARY.encode()
    return head + b"a" * (size - len(head))


def post(
    web: WebProcess, body: bytes, content_type: str, path: str = "/inbound/mailgun"
) -> tuple[int, float]:
    started = time.monotonic()
    answer = httpx.post(
        web.base_url + path, content=body, headers={"Content-Type": content_type}, timeout=120
    )
    return answer.status_code, time.monotonic() - started


CASES = {
    "urlencoded, millions of fields": (lambda: many_fields(LIMIT - 1024), URLENCODED, 401),
    "multipart, 100,000 parts": (lambda: many_parts(100_000), MULTIPART, 401),
    "multipart, 100,001 parts": (lambda: many_parts(100_001), MULTIPART, 413),
    "multipart, one endless header": (lambda: endless_header(LIMIT - 1024), MULTIPART, 400),
    "JSON of empty objects": (lambda: b"[" + b"{}," * (LIMIT // 3 - 2) + b"{}]", "application/json", 415),
}
WEBHOOK_LIMIT = MIB  # the event webhook route's
NOISE = 4 * MIB
# Unsigned JSON on the event webhook route: decoded, 1 MiB of `{}` would be some 30 MiB of objects.
WEBHOOK_CASES = {
    "JSON of empty objects": b"[" + b"{}," * (WEBHOOK_LIMIT // 3 - 2) + b"{}]",
    "JSON of look-alike signature blocks": b"[" + b'{"signature": {"token": "t"}},' * 30_000 + b"{}]",
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_unsigned_body_costs_under_twice_its_size(web: WebProcess, case: str) -> None:
    build, content_type, status = CASES[case]
    body = build()
    size = len(body)
    growth, (answered, seconds) = web.peak_growth_kib(lambda: post(web, body, content_type))
    print(f"{case}: {size / MIB:.1f} MiB -> {answered} in {seconds:.2f} s, peak RSS +{growth // 1024} MiB")
    assert answered == status
    assert growth * 1024 < 2 * size


@pytest.mark.parametrize("case", list(WEBHOOK_CASES))
def test_unsigned_json_on_the_webhook_route_is_never_decoded(web: WebProcess, case: str) -> None:
    body = WEBHOOK_CASES[case]
    bodies = 3 * len(body)
    with ThreadPoolExecutor(3) as pool:
        growth, answers = web.peak_growth_kib(
            lambda: list(
                pool.map(lambda _: post(web, body, "application/json", "/webhooks/mailgun"), range(3))
            )
        )
    print(f"webhooks, {case}: 3 x {len(body) / MIB:.2f} MiB -> {answers}, peak RSS +{growth // 1024} MiB")
    assert [status for status, _ in answers] == [401] * 3
    # Decoded, these bodies would cost tens of MiB; the process's own allocation noise (a few MiB, thread
    # buffers) is allowed on top of twice the bodies. tests/integration/intake/test_intake_json_cost.py
    # measures the intake's own allocations exactly.
    assert growth * 1024 < 2 * bodies + NOISE


def test_bodies_in_flight_together_cost_under_twice_their_sum(web: WebProcess) -> None:
    body = many_fields(LIMIT - 1024)
    size = len(body)
    with ThreadPoolExecutor(3) as pool:
        growth, answers = web.peak_growth_kib(
            lambda: list(pool.map(lambda _: post(web, body, URLENCODED), range(3)))
        )
    print(f"3 x {len(body) / MIB:.1f} MiB at once -> {answers}, peak RSS +{growth // 1024} MiB")
    assert [status for status, _ in answers] == [401] * 3
    assert growth * 1024 < 2 * 3 * size
