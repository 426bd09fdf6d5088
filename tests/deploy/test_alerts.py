"""The Prometheus alerts and the Grafana dashboard watch metrics mailhook really exports, and hold together.

The exported names are read from the code, not listed here: the counters and histograms registered in
app/core/metrics.py and the gauges app/core/backlog.py and app/core/subscriptions.py read from a freshly
migrated database. An alert or a panel that names anything else fails here, so none can silently watch a
metric that does not exist.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from app.core import metrics, migrate
from app.core.backlog import ExpectedSeries, backlog_gauges
from app.core.db import make_engine
from app.core.domain_health import health_gauges
from app.core.settings import Settings
from app.core.subscriptions import lag_gauges
from tests.conftest import REPO

ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = REPO / "deploy" / "grafana" / "mailhook.json"
README = REPO / "README.md"
METRIC_NAME = re.compile(r"\bmailhook_[a-z0-9_]+\b")
SEVERITIES = {"critical", "warning"}
# Series names a metric type adds to its base name in the exposition.
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created")}

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every series name mailhook exports: counters and histograms, and the database gauges."""
    names: set[str] = set()
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            base = value._name  # the name without the type's suffixes, as prometheus_client keeps it
            names.update(base + suffix for suffix in SUFFIXES.get(value._type, ("",)))
    url = f"sqlite:///{tmp_path_factory.mktemp('gauges') / 'mailhook.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        names.update(name for name, _, _, _ in backlog_gauges(ExpectedSeries(), engine))
        names.update(name for name, _, _, _ in lag_gauges([("primary", engine)]))
        names.update(name for name, _, _, _ in health_gauges([], Settings()))
    finally:
        engine.dispose()
    return names


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_queries() -> dict[str, list[str]]:
    document = json.loads(DASHBOARD.read_text())
    return {panel["title"]: [t["expr"] for t in panel["targets"]] for panel in document["panels"]}


def readme_anchors() -> set[str]:
    return set(re.findall(r'<a id="([a-z0-9-]+)"></a>', README.read_text()))


def test_the_exported_names_are_read_from_the_code(exported: set[str]) -> None:
    # A guard on the fixture itself: were it to find nothing, every check below would pass vacuously.
    for name in (
        "mailhook_http_requests_total",
        "mailhook_http_request_seconds_bucket",
        "mailhook_poller_lag_seconds",
        "mailhook_database_up",
    ):
        assert name in exported


def test_every_alert_is_complete_and_links_its_runbook() -> None:
    rules = alert_rules()
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names)), "alert names repeat"
    anchors = readme_anchors()
    for rule in rules:
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        runbook = rule["annotations"]["runbook"]
        assert runbook == f"README.md#runbook-{rule['alert'].lower()}", rule["alert"]
        assert runbook.split("#", 1)[1] in anchors, f"README has no runbook entry for {rule['alert']}"


def test_the_alerts_cover_what_an_operator_must_hear_about() -> None:
    watched = " ".join(rule["expr"] for rule in alert_rules())
    for metric in (
        "mailhook_inbox_oldest_pending_age_seconds",
        "mailhook_dead_letters_total",
        "mailhook_signature_failures_total",
        'mailhook_sync_actions{state="pending"}',
        'mailhook_sync_actions{state="dead"}',
        "mailhook_poller_lag_seconds",
        "mailhook_database_up",
        "mailhook_subscription_lag_seconds",
        "mailhook_domain_bounce_rate",
        "mailhook_domain_complaint_rate",
    ):
        assert metric in watched


def test_the_poller_metric_names_no_source(exported: set[str]) -> None:
    # The poller reads the Logs API or the Events API: a metric, alert or panel named after one misleads.
    assert "mailhook_poller_lag_seconds" in exported
    assert not [name for name in exported if "events_api" in name]
    texts = [ALERTS.read_text(), DASHBOARD.read_text()]
    assert not [text for text in texts if "events_api_lag" in text or "Events API lag" in text]


def test_every_alert_watches_exported_metrics(exported: set[str]) -> None:
    for rule in alert_rules():
        used = set(METRIC_NAME.findall(rule["expr"]))
        assert used, f"{rule['alert']} watches no mailhook metric"
        assert used <= exported, f"{rule['alert']} watches unknown metrics: {used - exported}"


def test_the_dashboard_has_its_panels_and_queries_exported_metrics(exported: set[str]) -> None:
    queries = dashboard_queries()
    for title in (
        "HTTP requests by route and status",
        "Signature failures by reason",
        "Inbox pending and oldest pending age",
        "Events stored by type and region",
        "Dead letters",
        "Sync actions by state and region",
        "Mailgun API calls by region and status",
        "Poller lag per domain",
        "Bounce rate per domain (24 h) and its limit",
        "Complaint rate per domain (24 h) and its limit",
    ):
        assert queries.get(title), f"no panel {title!r}"
    for title, expressions in queries.items():
        used = {name for expr in expressions for name in METRIC_NAME.findall(expr)}
        assert used, f"panel {title!r} queries no mailhook metric"
        assert used <= exported, f"panel {title!r} queries unknown metrics: {used - exported}"


def test_the_dashboard_panels_are_placed_and_use_the_datasource_variable() -> None:
    document = json.loads(DASHBOARD.read_text())
    ids = [panel["id"] for panel in document["panels"]]
    assert len(ids) == len(set(ids))
    assert {v["name"] for v in document["templating"]["list"]} == {"datasource"}
    for panel in document["panels"]:
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}
        assert panel["datasource"]["uid"] == "${datasource}"
        assert [t["refId"] for t in panel["targets"]] == [chr(65 + i) for i in range(len(panel["targets"]))]


PROMTOOL = shutil.which("promtool")


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (Debian: apt-get install prometheus)")
def test_promtool_accepts_the_rules_and_refuses_a_broken_copy(tmp_path: Path) -> None:
    assert PROMTOOL is not None
    checked = subprocess.run([PROMTOOL, "check", "rules", str(ALERTS)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    broken = tmp_path / "alerts.yml"
    broken.write_text(ALERTS.read_text().replace("> 300", "> > 300", 1))
    refused = subprocess.run([PROMTOOL, "check", "rules", str(broken)], capture_output=True, text=True)
    assert refused.returncode != 0


DOMAIN_RATE_TEST = """
rule_files: [{alerts}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'mailhook_domain_bounce_rate_limit'
        values: '0.05x40'
      # Past the limit with enough mail: alerts.
      - series: 'mailhook_domain_bounce_rate{{region="us",domain="bad.example",window="24h"}}'
        values: '0.08x40'
      - series: 'mailhook_domain_events{{region="us",domain="bad.example",window="24h",type="delivered"}}'
        values: '920x40'
      - series: 'mailhook_domain_events{{region="us",domain="bad.example",window="24h",type="bounced"}}'
        values: '80x40'
      # Under the limit: quiet.
      - series: 'mailhook_domain_bounce_rate{{region="us",domain="fine.example",window="24h"}}'
        values: '0.04x40'
      - series: 'mailhook_domain_events{{region="us",domain="fine.example",window="24h",type="delivered"}}'
        values: '960x40'
      # Past the limit on too little mail for the rate to mean anything: quiet.
      - series: 'mailhook_domain_bounce_rate{{region="eu",domain="small.example",window="24h"}}'
        values: '0.5x40'
      - series: 'mailhook_domain_events{{region="eu",domain="small.example",window="24h",type="delivered"}}'
        values: '5x40'
      # The 7 d window is shown, not alerted on.
      - series: 'mailhook_domain_bounce_rate{{region="us",domain="fine.example",window="7d"}}'
        values: '0.9x40'
    alert_rule_test:
      - eval_time: 20m
        alertname: MailhookDomainBounceRate
        exp_alerts: []
      - eval_time: 35m
        alertname: MailhookDomainBounceRate
        exp_alerts:
          - exp_labels: {{severity: warning, region: us, domain: bad.example}}
            exp_annotations:
              summary: "Hard bounces past the limit on bad.example (us)"
              description: "8% of the last 24 hours' mail bounced hard;
                Mailgun may throttle or suspend the domain."
              runbook: "README.md#runbook-mailhookdomainbouncerate"
"""


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (Debian: apt-get install prometheus)")
def test_the_domain_bounce_alert_fires_past_the_limit_on_enough_mail_only(tmp_path: Path) -> None:
    assert PROMTOOL is not None
    test_file = tmp_path / "domain_rates_test.yml"
    test_file.write_text(DOMAIN_RATE_TEST.format(alerts=ALERTS))
    checked = subprocess.run([PROMTOOL, "test", "rules", str(test_file)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
