"""`mailhook sign` on legacy form samples: only Mailgun's own signature fields change, user variables of the
same names stay, and what comes out verifies and normalizes as a legacy post from Mailgun would."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qsl

import pytest

from app.cli.sign import signed_body
from app.core.signing import check_signature
from app.intake.signature_fields import scan_form
from tests.conftest import PAYLOADS, TEST_KEY, payload
from workers.events.normalize import normalize_legacy_form

SIGNATURE_NAMES = ["timestamp", "token", "signature"]
LEGACY_SAMPLES = sorted(path.name for path in PAYLOADS.glob("*.legacy-form.*.json"))
COLLISIONS = "clicked-user-variable-collisions.legacy-form.anymail-simulated.json"

# A legacy delivered post whose sender set variables named like every signature field, one of them twice.
CONSTRUCTED: dict[str, Any] = {
    "fields": {
        "event": "delivered",
        "recipient": "legacy-vars@example.com",
        "domain": "example.com",
        "Message-Id": "<20240101.1@example.com>",
        "signature": ["sender's own signature", "0" * 64],
        "order-id": "A-1001",
        "token": ["first user token", "second user token", "t" * 50],
        "timestamp": ["not a time at all", "1700000000"],
    }
}


def resign(document: dict[str, Any]) -> list[tuple[str, str]]:
    body, content_type = signed_body(document, TEST_KEY)
    assert content_type == "application/x-www-form-urlencoded"
    scan = scan_form(body, content_type)  # as the intake reads it
    assert scan.signed is not None
    assert check_signature(scan.signed, [TEST_KEY], now=time.time(), max_age=60) is None
    return parse_qsl(body.decode(), keep_blank_values=True)


def without_mailgun_signature(fields: dict[str, Any]) -> list[tuple[str, str]]:
    """The sample's pairs in order, less the last value of each signature field (that one is Mailgun's)."""
    pairs = []
    for name, value in fields.items():
        values = value if isinstance(value, list) else [value]
        pairs += [(name, str(v)) for v in (values[:-1] if name in SIGNATURE_NAMES else values)]
    return pairs


@pytest.mark.parametrize("name", LEGACY_SAMPLES)
def test_a_legacy_sample_keeps_every_field_but_mailguns_signature(name: str) -> None:
    sample = payload(name)
    pairs = resign(sample)
    assert pairs[:-3] == without_mailgun_signature(sample["fields"])
    assert [n for n, _ in pairs[-3:]] == SIGNATURE_NAMES


def test_the_legacy_samples_are_all_found() -> None:
    assert COLLISIONS in LEGACY_SAMPLES and len(LEGACY_SAMPLES) >= 10


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            payload(COLLISIONS),
            {"token": "metadata-token", "timestamp": "metadata-timestamp", "signature": "metadata-signature"},
        ),
        (
            CONSTRUCTED,
            {
                "signature": "sender's own signature",
                "token": ["first user token", "second user token"],
                "timestamp": "not a time at all",
                "order-id": "A-1001",
            },
        ),
    ],
    ids=["anymail-collisions", "constructed"],
)
def test_user_variables_named_like_signature_fields_survive_re_signing(
    document: dict[str, Any], expected: dict[str, Any]
) -> None:
    pairs = resign(document)
    event = normalize_legacy_form(pairs, domain_regions={"example.com": "us"})
    assert {name: event.user_variables.get(name) for name in expected} == expected
    fresh = dict(pairs[-3:])
    assert fresh["token"] not in str(event.user_variables)
