"""Every shipped deployment declares where each process's metrics are: web on its HTTP port, each worker on
MAILHOOK_WORKER_METRICS_PORT; Kubernetes by annotations and a PodMonitor, compose by a Prometheus service,
systemd by the worker instance name, the Procfile by the example environment."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.deploy.test_deploy_files import (
    DEPLOY,
    K8S,
    MONITORING,
    SYSTEMD,
    applied_docs,
    compose,
    find,
    pod_spec,
    unit,
)

WORKER_METRICS_PORT = "9101"


def env_value(container: dict[str, Any], name: str) -> str | None:
    return next((e.get("value") for e in container.get("env", []) if e["name"] == name), None)


def named_ports(deployment: dict[str, Any]) -> dict[str, int]:
    container = pod_spec(deployment)["containers"][0]
    return {port["name"]: port["containerPort"] for port in container.get("ports", [])}


def test_kubernetes_pods_declare_their_metrics_ports_by_name_and_annotation() -> None:
    for name, port_name in (("mailhook-web", "http"), ("mailhook-worker", "metrics")):
        deployment = find(applied_docs(), "Deployment", name)
        port = named_ports(deployment)[port_name]
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true", name
        assert annotations["prometheus.io/port"] == str(port), name
        assert annotations["prometheus.io/path"] == "/metrics", name
    worker = find(applied_docs(), "Deployment", "mailhook-worker")
    container = pod_spec(worker)["containers"][0]
    assert env_value(container, "MAILHOOK_WORKER_METRICS_PORT") == str(named_ports(worker)["metrics"])


def test_the_pod_monitor_scrapes_the_named_ports_of_the_pods_it_selects() -> None:
    monitor = yaml.safe_load((MONITORING / "podmonitor.yaml").read_text())
    assert (monitor["apiVersion"], monitor["kind"]) == ("monitoring.coreos.com/v1", "PodMonitor")
    selector = monitor["spec"]["selector"]["matchLabels"]
    scraped_ports = {endpoint["port"] for endpoint in monitor["spec"]["podMetricsEndpoints"]}
    for name in ("mailhook-web", "mailhook-worker"):
        deployment = find(applied_docs(), "Deployment", name)
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), name
        assert scraped_ports & set(named_ports(deployment)), f"{name} exposes no port the PodMonitor scrapes"
    assert {e["path"] for e in monitor["spec"]["podMetricsEndpoints"]} == {"/metrics"}
    kustomization = yaml.safe_load((MONITORING / "kustomization.yaml").read_text())
    assert kustomization["resources"] == ["podmonitor.yaml"]
    main = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert not any(r.startswith("monitoring") for r in main["resources"]), "needs the Operator's CRDs"


def test_compose_worker_serves_metrics_and_prometheus_scrapes_web_and_worker() -> None:
    services = compose()["services"]
    assert services["worker"]["environment"]["MAILHOOK_WORKER_METRICS_PORT"] == WORKER_METRICS_PORT
    assert WORKER_METRICS_PORT in services["worker"]["expose"]
    prometheus = services["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    assert "./prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    targets = {
        (sd["names"][0], sd["port"]) for job in config["scrape_configs"] for sd in job["dns_sd_configs"]
    }
    assert targets == {("web", 8000), ("worker", int(WORKER_METRICS_PORT))}
    assert config["rule_files"] == ["alerts.yml"]


def test_systemd_workers_serve_metrics_on_their_instance_port() -> None:
    service = unit(SYSTEMD / "mailhook-worker@.service")["Service"]
    assert "MAILHOOK_WORKER_METRICS_PORT=%i" in service["Environment"]


def test_the_example_environment_gives_the_procfile_worker_a_metrics_port() -> None:
    lines = (DEPLOY / "mailhook.env.example").read_text().splitlines()
    assert f"MAILHOOK_WORKER_METRICS_PORT={WORKER_METRICS_PORT}" in lines
    assert "worker:" in (REPO / "Procfile").read_text()


PROMTOOL = shutil.which("promtool")


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (Debian: apt-get install prometheus)")
def test_promtool_accepts_the_scrape_config_and_refuses_a_broken_copy(tmp_path: Path) -> None:
    assert PROMTOOL is not None
    folder = tmp_path / "prometheus"
    shutil.copytree(DEPLOY / "prometheus", folder)
    checked = subprocess.run(
        [PROMTOOL, "check", "config", str(folder / "prometheus.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    broken = folder / "prometheus.yml"
    broken.write_text(broken.read_text().replace("type: A", "type: TXT-ish"))
    refused = subprocess.run(
        [PROMTOOL, "check", "config", str(broken)], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0
