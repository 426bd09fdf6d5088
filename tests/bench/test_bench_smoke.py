"""Benchmarks are not tests: this only proves each one still runs end to end (a few seconds each)."""

from __future__ import annotations

import re
import shutil

import pytest

from bench import console, e2e, feed, intake, pipeline, push, query, scale

pytestmark = pytest.mark.e2e


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk (Debian) is not installed; .ci/run installs it")
def test_intake_benchmark_runs() -> None:
    result = intake.run(seconds=3, connections=8, expected_rps=4000, rounds=2)
    assert all(result[name]["requests"] > 0 for name in ("bare", "anymail", "intake"))
    assert [len(result["rounds_rps"][name]) for name in ("bare", "anymail", "intake")] == [2, 2, 2]
    # The peer answered every signed delivery with a 2xx: it verified the same signatures.
    assert result["anymail"]["errors"] == 0
    assert result["errors_all_rounds"] == 0
    assert result["stored_rows"] >= result["answered_200"]


def test_pipeline_benchmark_runs() -> None:
    result = pipeline.run(rows=1000, concurrency=1)
    assert result["stored"] == 1000
    assert result["events_per_second"] > 0 and result["copy_rows_per_second"] > 0


def test_memory_benchmark_runs() -> None:
    result = pipeline.memory(rows=2000, concurrency=1)
    assert result["stored"] == 2000
    assert "10" in result["rss_mib_by_tenth"]  # sampled at the end (small runs skip some tenths)
    assert all(mib > 10 for mib in result["rss_mib_by_tenth"].values())  # a Celery worker's real size


def test_end_to_end_benchmark_runs() -> None:
    result = e2e.run(rate=50, seconds=3)
    assert result["answered_200"] == result["posted"] == 150
    assert result["exactly_once"]


def test_query_benchmark_runs() -> None:
    result = query.run(rows=5000, requests=5)
    assert set(result["endpoints"]) == {"recipient", "message_id", "domain+time"}
    assert "Index Scan" in result["plans"]["recipient"]


def test_feed_benchmark_runs() -> None:
    result = feed.run(rows=3000, wakeups=5)
    assert result["rows"] == 3000
    assert result["feed_items_per_second"] > 0 and result["select_rows_per_second"] > 0
    assert result["wake_p99_ms"] < 30_000  # each long-poll was answered by the event, not by its timeout


def test_push_benchmark_runs() -> None:
    result = push.run(rows=1500, concurrency=1)
    assert result["pushed"] == 1500 and result["exactly_once"]
    assert result["batches"] == 15  # full batches of 100, none sent twice
    assert result["push_items_per_second"] > 0 and result["drain_events_per_second"] > 0


def test_console_benchmark_runs() -> None:
    result = console.run(rows=20_000, requests=5)
    assert {"recipient", "message", "domains", "metrics scrape"} <= set(result["pages"])
    health_plan = result["plans"]["domain health"]
    # The parent's index, or on a partitioned `events` each partition's copy of it (named after both).
    assert re.search(r"Index Only Scan using \S*(ix_events_)?domain_region_type_occurred_at", health_plan)
    assert re.search(r"Index Scan\b.* using \S*recipient_occurred_at", result["plans"]["recipient page"])


def test_scale_benchmark_runs() -> None:
    result = scale.run(rows=6000, requests=5, drain_rows=500, keep=False)
    assert set(result["endpoints"]) == {"recipient", "message_id", "domain+time"}
    week = result["pruning"]["domain+time"]
    assert week["partitions_read"] <= week["partitions_needed"] < week["partitions_in_table"]
    assert result["drain"]["ratio"] > 0
    # One day's rows, dropped with their partition; the batched delete of the same rows leaves them dead.
    retention = result["retention"]
    assert retention["drop"]["partitions"] == 1 and not retention["drop"]["partition_left"]
    assert 0 < retention["drop"]["events_locked_seconds"] <= retention["drop"]["seconds"]
    assert retention["delete"]["rows"] == retention["day_rows"] > 0
    assert retention["delete"]["after"]["live_rows"] == 0
