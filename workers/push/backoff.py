"""When a failed batch is tried again, and when a failing subscription is paused. Pure: no I/O.

Exponential with full jitter over the upper half: the n-th retry waits between half and all of
`base * 2**(n-1)`, capped. With the default base of 2 s the first retry is due within 2 s, and beat hands it
out at its next run (MAILHOOK_PUSH_INTERVAL_SECONDS), well within 10 s of the failure. The jitter keeps many
subscriptions that failed together (their network, a deploy of theirs) from retrying in step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta


def retry_delay(attempts: int, base: float, cap: float, jitter: Callable[[], float]) -> float:
    """Seconds before the try after `attempts` failed ones (attempts >= 1)."""
    ceiling = min(cap, base * 2 ** min(max(attempts - 1, 0), 60))
    return ceiling * (0.5 + 0.5 * jitter())


def pauses(failing_since: datetime | None, now: datetime, pause_after: float) -> bool:
    """Whether a subscription failing since `failing_since` (None: this is its first failure) is paused."""
    since = failing_since or now
    return now - since >= timedelta(seconds=pause_after)
