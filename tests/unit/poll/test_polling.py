"""The poller's pure decisions: the window from a cursor, Mailgun's page trust rule, the cursor's advance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workers.poll.polling import (
    Judgement,
    Verdict,
    Window,
    advance,
    backfill_window,
    judge_page,
    newest_time,
    poll_window,
    trust_horizon,
)

NOW = datetime(2026, 3, 1, 12, 0, 0, 500_000, tzinfo=UTC)
LAG = timedelta(minutes=30)
LOOKBACK = timedelta(hours=24)


def at(minutes_ago: float) -> float:
    return (NOW - timedelta(minutes=minutes_ago)).timestamp()


def test_a_first_poll_looks_back_and_ends_at_the_trust_horizon() -> None:
    window = poll_window(None, NOW, LAG, LOOKBACK)
    assert window == Window(
        datetime(2026, 2, 28, 12, 0, tzinfo=UTC), datetime(2026, 3, 1, 11, 30, tzinfo=UTC)
    )
    assert (window.begin_epoch, window.end_epoch) == (1772280000, 1772364600)


def test_a_poll_starts_at_the_cursor_second_rounded_down() -> None:
    cursor = datetime(2026, 3, 1, 9, 15, 42, 900_000, tzinfo=UTC)
    window = poll_window(cursor, NOW, LAG, LOOKBACK)
    assert window is not None
    assert window.begin == datetime(2026, 3, 1, 9, 15, 42, tzinfo=UTC)


def test_nothing_to_poll_while_the_cursor_is_at_the_horizon() -> None:
    assert poll_window(trust_horizon(NOW, LAG), NOW, LAG, LOOKBACK) is None
    assert poll_window(NOW, NOW, LAG, LOOKBACK) is None


def test_a_backfill_is_capped_at_the_horizon_and_says_so() -> None:
    since = NOW - timedelta(hours=5)
    window, capped = backfill_window(since, NOW, NOW, LAG)
    assert capped is True
    assert window is not None and window.end == trust_horizon(NOW, LAG)
    window, capped = backfill_window(since, NOW - timedelta(hours=2), NOW, LAG)
    assert capped is False
    assert window is not None and window.end == NOW - timedelta(hours=2)
    assert backfill_window(NOW - timedelta(minutes=10), None, NOW, LAG) == (None, False)


def test_an_empty_page_ends_the_window() -> None:
    assert judge_page([], NOW, LAG) == Judgement(Verdict.END, [])


def test_a_page_whose_newest_event_is_old_enough_is_used_whole() -> None:
    items = [{"timestamp": at(90)}, {"timestamp": at(31)}]
    assert judge_page(items, NOW, LAG) == Judgement(Verdict.USE, items)


def test_a_page_reaching_past_the_horizon_keeps_its_trusted_items_and_stops() -> None:
    # Not only the last item: a page out of order must not slip a fresh event through.
    old, fresh, older = {"timestamp": at(40)}, {"timestamp": at(5)}, {"timestamp": at(90)}
    assert judge_page([old, fresh, older], NOW, LAG) == Judgement(Verdict.WAIT, [old, older])
    assert judge_page([{"timestamp": at(29)}], NOW, LAG) == Judgement(Verdict.WAIT, [])


def test_the_horizon_second_itself_is_trusted_and_a_microsecond_later_is_not() -> None:
    horizon = trust_horizon(NOW, LAG).timestamp()
    at_horizon, after = {"timestamp": horizon}, {"timestamp": horizon + 0.000_001}
    assert judge_page([at_horizon, after], NOW, LAG) == Judgement(Verdict.WAIT, [at_horizon])


def test_the_cursor_of_a_cut_page_is_its_newest_trusted_event() -> None:
    items = [{"timestamp": at(50)}, {"timestamp": at(45)}, {"timestamp": at(2)}]
    judged = judge_page(items, NOW, LAG)
    assert newest_time(judged.trusted) == datetime.fromtimestamp(at(45), UTC)


def test_unreadable_timestamps_do_not_block_a_page() -> None:
    items = [{"timestamp": "soon"}, "not an object", {"timestamp": at(60)}]
    assert judge_page(items, NOW, LAG) == Judgement(Verdict.USE, items)
    assert newest_time(items) == datetime.fromtimestamp(at(60), UTC)
    assert newest_time([{"timestamp": None}]) is None
    # Kept with the trusted items of a cut page too: the normalizer turns them into dead letters at once.
    assert judge_page([{"timestamp": at(2)}, "broken"], NOW, LAG).trusted == ["broken"]


def test_a_source_with_its_own_time_field_gets_the_same_rule() -> None:
    def stamped(item: object) -> datetime | None:
        return item["at"] if isinstance(item, dict) else None

    old, fresh = {"at": NOW - timedelta(hours=1)}, {"at": NOW - timedelta(minutes=1)}
    assert judge_page([old, fresh], NOW, LAG, stamped) == Judgement(Verdict.WAIT, [old])
    assert newest_time([old, fresh], stamped) == fresh["at"]


def test_millisecond_timestamps_are_read_as_the_normalizer_reads_them() -> None:
    assert newest_time([{"timestamp": at(60) * 1000}]) == datetime.fromtimestamp(round(at(60), 3), UTC)


@pytest.mark.parametrize(
    ("cursor", "stored", "expected"),
    [
        (None, None, None),
        (None, NOW, NOW),
        (NOW, None, NOW),
        (NOW, NOW - timedelta(hours=1), NOW),  # never backwards
        (NOW - timedelta(hours=1), NOW, NOW),
    ],
)
def test_the_cursor_only_moves_forward(
    cursor: datetime | None, stored: datetime | None, expected: datetime | None
) -> None:
    assert advance(cursor, stored) == expected
