"""Signature math, pure: each failure reason, freshness both ways, several keys."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.signing import CLOCK_SKEW_SECONDS, Failure, SignedParts, check_signature, compute_signature

NOW = 1_700_000_000.0
KEY = "key-one"


def parts(key: str = KEY, timestamp: str = str(int(NOW)), token: str = "t" * 50) -> SignedParts:
    return SignedParts(timestamp, token, compute_signature(key, timestamp, token))


def check(signed: SignedParts | None, keys: tuple[str, ...] = (KEY,)) -> Failure | None:
    return check_signature(signed, keys, now=NOW, max_age=43200)


def test_matches_mailguns_documented_scheme() -> None:
    expected = hmac.new(b"key", b"1529006854" + b"tok", hashlib.sha256).hexdigest()
    assert compute_signature("key", "1529006854", "tok") == expected


def test_valid_signature_passes() -> None:
    assert check(parts()) is None


def test_upper_case_hex_is_accepted() -> None:
    good = parts()
    assert check(SignedParts(good.timestamp, good.token, good.signature.upper())) is None


@pytest.mark.parametrize(
    ("signed", "failure"),
    [
        (None, Failure.MISSING),
        (SignedParts("", "t", "s"), Failure.MISSING),
        (SignedParts("1", "", "s"), Failure.MISSING),
        (SignedParts("abc", "t", "s"), Failure.MALFORMED),
        (SignedParts("-5", "t", "s"), Failure.MALFORMED),
        (SignedParts(str(int(NOW)), "t" * 300, "s"), Failure.MALFORMED),
        (parts(timestamp=str(int(NOW - 43200 - CLOCK_SKEW_SECONDS - 1))), Failure.STALE),
        (parts(timestamp=str(int(NOW + CLOCK_SKEW_SECONDS + 1))), Failure.FUTURE),
        (parts(key="other"), Failure.MISMATCH),
    ],
)
def test_each_failure_has_its_reason(signed: SignedParts | None, failure: Failure) -> None:
    assert check(signed) == failure


def test_edges_of_the_window_pass() -> None:
    assert check(parts(timestamp=str(int(NOW - 43200)))) is None
    assert check(parts(timestamp=str(int(NOW + CLOCK_SKEW_SECONDS)))) is None


def test_any_configured_key_passes_and_none_configured_refuses() -> None:
    assert check(parts(key="old"), ("new", "old")) is None
    assert check(parts(), ()) == Failure.MISMATCH


def test_a_subaccounts_delivery_verifies_with_its_parents_signature() -> None:
    theirs = parts(key="subaccount-key")  # signed with a key not configured here
    with_parent = SignedParts(theirs.timestamp, theirs.token, theirs.signature, parts().signature)
    assert check(theirs) == Failure.MISMATCH
    assert check(with_parent) is None
    assert check(with_parent, ("subaccount-key",)) is None  # its own key configured does as well
    forged = SignedParts(theirs.timestamp, theirs.token, theirs.signature, parts(key="other").signature)
    assert check(forged) == Failure.MISMATCH
    assert check(SignedParts(theirs.timestamp, theirs.token, "", parts().signature)) == Failure.MISSING
    too_long = SignedParts(theirs.timestamp, theirs.token, theirs.signature, "f" * 129)
    assert check(too_long) == Failure.MALFORMED


@given(st.text(max_size=40), st.text(max_size=80), st.text(max_size=80))
def test_never_raises_on_any_text(timestamp: str, token: str, signature: str) -> None:
    assert check(SignedParts(timestamp, token, signature)) in (*Failure, None)
