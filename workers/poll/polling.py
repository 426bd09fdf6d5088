"""The Events API poller's decisions, pure: the window to read, whether a page is trusted, the cursor's move.

Mailgun's event log is eventually consistent: events reach it by different routes, so an event can appear
minutes after later ones. Mailgun's rule (FACTS.md section 5) is to trust a page only once its last event is
old enough (about 30 minutes). Two consequences shape the poll:

- The window's end is `now - lag`, so every page Mailgun returns is old enough by construction; a low-volume
  domain whose one page always ends with a fresh event would otherwise never be trusted. The per-page check
  stays as a guard (a server that does not honour `end` to the second, a clock ahead of ours): the items of
  such a page up to the horizon are still stored, and the read stops there, the cursor at the newest of them.
  Setting the whole page aside would hold the cursor back for as long as the server keeps answering so.
- Reaching the end of the window (an empty page) moves the cursor to the window's end: nothing older can
  still appear. Stopping early keeps it at the newest event stored.

Times are whole seconds in the query (begin rounded down, so the boundary second is read again and
deduplicated by the events' unique key, never skipped).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from workers.events.payload_decode import NormalizationError, parse_timestamp


class Verdict(Enum):
    USE = "use"  # every item is trusted: store the page and follow its next link
    WAIT = "wait"  # the page reaches past the horizon: store its trusted items, stop, ask again later
    END = "end"  # empty: the window is read to its end


# How a source says when an item happened (the Events API's epoch `timestamp`, another source's own field);
# None when it cannot be read.
ItemTime = Callable[[object], datetime | None]


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    trusted: list[object]  # the items to store now, in the page's order


@dataclass(frozen=True, slots=True)
class Window:
    begin: datetime
    end: datetime

    @property
    def begin_epoch(self) -> int:
        return math.floor(self.begin.timestamp())

    @property
    def end_epoch(self) -> int:
        return math.floor(self.end.timestamp())


def trust_horizon(now: datetime, lag: timedelta) -> datetime:
    """The newest time whose events Mailgun's log can be trusted to hold completely."""
    return _whole_second(now - lag)


def poll_window(
    trusted_until: datetime | None, now: datetime, lag: timedelta, lookback: timedelta
) -> Window | None:
    """The window of the next poll from the cursor; None while nothing new can be trusted yet."""
    begin = _whole_second(trusted_until if trusted_until is not None else now - lookback)
    end = trust_horizon(now, lag)
    return Window(begin, end) if begin < end else None


def backfill_window(
    since: datetime, until: datetime | None, now: datetime, lag: timedelta
) -> tuple[Window | None, bool]:
    """An operator's window, capped at the trust horizon; (window or None, whether `until` was capped)."""
    horizon = trust_horizon(now, lag)
    end = horizon if until is None else min(until, horizon)
    window = Window(_whole_second(since), end) if since < end else None
    return window, until is not None and until > horizon


def judge_page(
    items: Sequence[object], now: datetime, lag: timedelta, time_of: ItemTime | None = None
) -> Judgement:
    """Which items of a page can be stored, and whether to read on. Every item newer than the horizon is
    held back, wherever it sits in the page (the page's own order is not relied on); an item whose time
    cannot be read is kept with the trusted ones, so it reaches the normalizer (and a dead letter) at once."""
    if not items:
        return Judgement(Verdict.END, [])
    horizon, time_of = trust_horizon(now, lag), time_of or event_time
    trusted = [item for item in items if not _newer(time_of(item), horizon)]
    return Judgement(Verdict.USE if len(trusted) == len(items) else Verdict.WAIT, trusted)


def newest_time(items: Sequence[object], time_of: ItemTime | None = None) -> datetime | None:
    """The latest readable time among the items (their own order is not relied on)."""
    times = [t for t in map(time_of or event_time, items) if t is not None]
    return max(times, default=None)


def advance(trusted_until: datetime | None, stored_up_to: datetime | None) -> datetime | None:
    """The cursor after storing a page: it never moves back."""
    if stored_up_to is None:
        return trusted_until
    if trusted_until is None:
        return stored_up_to
    return max(trusted_until, stored_up_to)


def event_time(item: object) -> datetime | None:
    """An Events API item's `timestamp`, read as the normalizer reads it."""
    if not isinstance(item, dict):
        return None
    try:
        return parse_timestamp(item.get("timestamp"))
    except NormalizationError:
        return None


def _newer(moment: datetime | None, horizon: datetime) -> bool:
    return moment is not None and moment > horizon


def _whole_second(moment: datetime) -> datetime:
    return datetime.fromtimestamp(math.floor(moment.timestamp()), UTC)
