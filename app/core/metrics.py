"""Prometheus metrics, correct across several gunicorn and Celery processes.

Counters are recorded where things happen, in whichever process; with PROMETHEUS_MULTIPROC_DIR set (the
gunicorn config and `mailhook run` set it) every process writes its own file and a scrape sums them. Gauges
about the backlog (pending inbox, dead letters, sync actions, poller lag) are read from the database at scrape
time instead, so they are the same whichever process answers and never double-counted.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client import values as prometheus_values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

Metric_ = TypeVar("Metric_", bound=MetricWrapperBase)

HTTP_REQUESTS = Counter("mailhook_http_requests_total", "HTTP requests answered.", ["route", "status"])
HTTP_SECONDS = Histogram(
    "mailhook_http_request_seconds",
    "Time to answer, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SIGNATURE_FAILURES = Counter(
    "mailhook_signature_failures_total", "Deliveries refused, by reason.", ["reason"]
)
DELIVERIES = Counter(
    "mailhook_deliveries_total", "Signed deliveries accepted, by route and outcome.", ["route", "outcome"]
)
EVENTS_STORED = Counter("mailhook_events_stored_total", "Events newly stored.", ["type", "region", "source"])
DEAD_LETTERS = Counter("mailhook_dead_letters_total", "Inbox rows dead-lettered.", ["kind"])
MAILGUN_CALLS = Counter(
    "mailhook_mailgun_api_calls_total", "Calls to Mailgun's API, by region and status.", ["region", "status"]
)
PUSH_BATCHES = Counter(
    "mailhook_push_batches_total", "Batches posted to push subscribers, by outcome.", ["outcome"]
)
PUSHED_ITEMS = Counter("mailhook_pushed_items_total", "Feed items delivered to push subscribers (2xx).")

# A source of backlog gauges read at scrape time: (name, help, labels, rows of (label values, value)).
GaugeReading = tuple[str, str, list[str], list[tuple[list[str], float]]]
DATABASE_DOWN: GaugeReading = (
    "mailhook_database_up",
    "Whether the database answered this scrape.",
    [],
    [([], 0.0)],
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mailhook")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


class BuildInfo(Collector):
    """`mailhook_build_info{version="..."} 1` on every endpoint: which code answers, for dashboards and for
    spotting a half-finished rollout."""

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "mailhook_build_info", "The running mailhook version; always 1.", labels=["version"]
        )
        family.add_metric([_version()], 1.0)
        yield family


def start_at_zero(kinds: Iterable[str]) -> None:
    """Create the dead-letter counter's series for every inbox kind at 0 when a worker starts. A series born
    at 1 has no earlier sample, so `increase()` misses the first dead letter of its kind; one born at 0 does
    not. The push counters likewise."""
    for kind in kinds:
        DEAD_LETTERS.labels(kind)
    for outcome in ("delivered", "failed"):
        PUSH_BATCHES.labels(outcome)


def worker_registry() -> CollectorRegistry:
    """What a worker's own metrics endpoint serves: the counters of its pool's processes, and the build."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(BuildInfo())
    return registry


class DatabaseGauges(Collector):
    def __init__(self, read: Callable[[], list[GaugeReading]]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        try:
            readings = self._read()
        except Exception:  # A scrape must answer even while the database is away; /readyz tells that story.
            readings = [
                ("mailhook_database_up", "Whether the database answered this scrape.", [], [([], 0.0)])
            ]
        for name, documentation, labels, rows in readings:
            family = GaugeMetricFamily(name, documentation, labels=labels)
            for values, value in rows:
                family.add_metric(values, value)
            yield family


def exposition(read_gauges: Callable[[], list[GaugeReading]], accept: str = "") -> tuple[bytes, str]:
    """The scrape's body and content type: OpenMetrics when the scraper asks for it (Prometheus does by
    default), else the classic text format."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR") and _counters_in_files():
        MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    registry.register(DatabaseGauges(read_gauges))
    registry.register(BuildInfo())
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type


def _counters_in_files() -> bool:
    """Whether this process's counters live in PROMETHEUS_MULTIPROC_DIR. prometheus_client decides once, at
    import: a variable set later (a worker set up in a process that already has metrics) leaves
    them in memory, where only the default registry sees them."""
    return bool(getattr(prometheus_values.ValueClass, "_multiprocess", False))


@lru_cache(maxsize=1024)
def series(metric: Metric_, *labels: str) -> Metric_:
    """The metric's series for these label values, looked up once per process (labels() takes a lock and
    validates its arguments on every call). For label values from small fixed sets only: routes, statuses,
    outcomes, failure reasons."""
    return metric.labels(*labels)


def elapsed_since(started: float) -> float:
    return max(time.perf_counter() - started, 0.0)
