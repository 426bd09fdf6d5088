"""Every metric the shipped alerts and dashboard name is scraped from a process started as the Procfile says.

web, worker and beat run from the Procfile with deploy/mailhook.env.example (placeholders pointed at this
machine and at a fake Mailgun). Traffic: a stored delivery, a dead letter, a refused signature, a push
subscription, and the Mailgun calls beat makes as it starts (the list refresh, the Events API poll). Then both
endpoints are scraped in both exposition formats, each parsed by prometheus_client's parser.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from tests.conftest import payload, sign
from tests.deploy.test_alerts import METRIC_NAME, alert_rules, dashboard_queries
from tests.e2e.conftest import API_TOKEN, Service, procfile_processes
from tests.fakemailgun import FakeMailgun

pytestmark = pytest.mark.e2e
MAILGUN_KEY = "key-e2e-metrics"
OPENMETRICS = "application/openmetrics-text; version=1.0.0"


@pytest.fixture
def fake_us() -> Iterator[FakeMailgun]:
    with FakeMailgun(
        region="us", api_key=MAILGUN_KEY, domains=["example.com", "samples.mailgun.org"]
    ) as fake:
        yield fake


def watched_names() -> set[str]:
    expressions = [rule["expr"] for rule in alert_rules()]
    expressions += [e for panel in dashboard_queries().values() for e in panel]
    return {name for expression in expressions for name in METRIC_NAME.findall(expression)}


def scrape(url: str, accept: str = "") -> tuple[set[str], dict[str, float]]:
    """Series names and values of one endpoint in one format; the parser raises on a clash of families."""
    answer = httpx.get(url, headers={"Accept": accept} if accept else {}, timeout=10)
    answer.raise_for_status()
    parse = parse_openmetrics if accept else parse_text
    assert ("openmetrics" in answer.headers["Content-Type"]) == bool(accept)
    names: set[str] = set()
    values: dict[str, float] = {}
    families = list(parse(answer.text))
    family_names = [family.name for family in families]
    assert len(family_names) == len(set(family_names)), f"{url}: families repeat"
    for family in families:
        for sample in family.samples:
            names.add(sample.name)
            key = sample.name + str(sorted(sample.labels.items()))
            values[key] = sample.value
    return names, values


def total(values: dict[str, float], name: str) -> float:
    return sum(v for key, v in values.items() if key.startswith(name + "["))


def wait_for(check: object, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except httpx.HTTPError:  # the worker's endpoint comes up a moment after the web's
            pass
        time.sleep(0.5)


def test_every_watched_metric_is_scraped_from_the_procfile_processes(
    procfile_env: dict[str, str], tmp_path: Path, db_url_cleanup: None, fake_us: FakeMailgun
) -> None:
    env = {**procfile_env, "MAILGUN_API_KEY": MAILGUN_KEY, "MAILGUN_API_BASE_US": fake_us.url}
    worker_url = f"http://127.0.0.1:{env['MAILHOOK_WORKER_METRICS_PORT']}/metrics"
    with procfile_processes(env, tmp_path) as running:
        web_url = running.base_url + "/metrics"
        _traffic(running)
        wait_for(lambda: total(scrape(worker_url)[1], "mailhook_dead_letters_total") >= 1)
        wait_for(lambda: total(scrape(worker_url)[1], "mailhook_mailgun_api_calls_total") >= 1)
        scraped: dict[str, set[str]] = {}
        for name, url in (("web", web_url), ("worker", worker_url)):
            for accept in ("", OPENMETRICS):
                names, values = scrape(url, accept)
                scraped.setdefault(name, set()).update(names)
            if name == "worker":
                assert total(values, "mailhook_events_stored_total") >= 1
                assert total(values, "mailhook_dead_letters_total") >= 1
                assert total(values, "mailhook_mailgun_api_calls_total") >= 1
        # Both endpoints say which code answers.
        assert {"mailhook_build_info"} <= scraped["web"] & scraped["worker"]

    everything = scraped["web"] | scraped["worker"]
    missing = {name for name in watched_names() if name not in everything}
    assert not missing, f"alerts or dashboards watch metrics no endpoint serves: {sorted(missing)}"
    assert fake_us.calls, "beat made no call to the fake Mailgun"


def _traffic(running: Service) -> None:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    with httpx.Client(base_url=running.base_url, timeout=10, headers=headers) as client:
        delivered = payload("delivered.webhook-json.anymail-real-sanitized.json")
        delivered["signature"] = sign()
        assert client.post("/webhooks/mailgun", json=delivered).status_code == 200
        broken = {"signature": sign(), "event-data": "not an event"}  # signed, kept, then a dead letter
        assert client.post("/webhooks/mailgun", json=broken).status_code == 200
        forged = {"signature": {**sign(), "signature": "0" * 64}, "event-data": {}}
        assert client.post("/webhooks/mailgun", json=forged).status_code in (401, 403, 406)
        # A push subscription, so its lag gauges have series (to a port nothing listens on: it only fails).
        subscribed = client.post("/api/v1/subscriptions", json={"url": "http://127.0.0.1:9/nobody"})
        assert subscribed.status_code == 201
