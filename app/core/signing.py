"""Mailgun signature check: HMAC-SHA256 over timestamp+token, against every configured key (and, for a
subaccount's delivery, its parent's signature too).

Pure: no Flask, no database. The signature does not cover the body, so freshness and the one-token-once rule
(enforced by the inbox's unique token) are what stop a captured triple from being replayed with another body.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# Mailgun's clocks and ours may disagree a little; a signature from slightly in the future is still fine.
CLOCK_SKEW_SECONDS = 300
MAX_TOKEN_LENGTH = 255
MAX_SIGNATURE_LENGTH = 128


class Failure(StrEnum):
    """Why a signature was refused; the value is what metrics and logs show."""

    MISSING = "missing"
    MALFORMED = "malformed"
    STALE = "stale"
    FUTURE = "future"
    MISMATCH = "mismatch"


@dataclass(frozen=True, slots=True)
class SignedParts:
    timestamp: str
    token: str
    signature: str
    # A subaccount's delivery is signed with its own key (`signature`) and with its parent's, over the same
    # timestamp and token (`parent-signature`): either one made with a configured key verifies it.
    parent_signature: str = ""


def compute_signature(key: str, timestamp: str, token: str) -> str:
    return hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()


def check_signature(
    parts: SignedParts | None, keys: Sequence[str], *, now: float, max_age: int
) -> Failure | None:
    """None when the parts are well-formed, fresh and signed by one of `keys`; else why not."""
    if parts is None or not (parts.timestamp and parts.token and parts.signature):
        return Failure.MISSING
    issued_at = _timestamp(parts.timestamp)
    if (
        issued_at is None
        or len(parts.token) > MAX_TOKEN_LENGTH
        or max(len(parts.signature), len(parts.parent_signature)) > MAX_SIGNATURE_LENGTH
    ):
        return Failure.MALFORMED
    if issued_at < now - max_age - CLOCK_SKEW_SECONDS:
        return Failure.STALE
    if issued_at > now + CLOCK_SKEW_SECONDS:
        return Failure.FUTURE
    return None if _matches_any(parts, keys) else Failure.MISMATCH


def _matches_any(parts: SignedParts, keys: Sequence[str]) -> bool:
    given = [s.strip().lower().encode() for s in (parts.signature, parts.parent_signature) if s]
    # Every key is tried against each signature, whatever the outcome, so the time taken does not tell which
    # key (or which of the two signatures) matched.
    matched = False
    for key in keys:
        expected = compute_signature(key, parts.timestamp, parts.token).encode()
        for signature in given:
            matched |= hmac.compare_digest(expected, signature)
    return matched


def _timestamp(raw: str) -> float | None:
    if not raw.isascii() or not raw.replace(".", "", 1).isdigit():
        return None
    try:
        return float(raw)
    except ValueError:
        return None
