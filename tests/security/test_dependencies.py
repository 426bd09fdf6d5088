"""pip-audit over the installed environment: no dependency with a known vulnerability.

pip-audit's PyPI service asks the per-version endpoint (/pypi/<name>/<version>/json), which is not always
served even where the project endpoint (/pypi/<name>/json) is. For each dependency pip-audit could not audit,
the test falls back to the project endpoint, whose `vulnerabilities` list describes the latest release
(`info.version`) only: it audits the dependency when the installed version is that release, and otherwise
leaves it unaudited.

A dependency that could not be audited either way is not a pass: the test skips and names them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import httpx
import pytest
from packaging.version import InvalidVersion, Version

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


def latest_release_vulns(installed: str, project: dict[str, Any]) -> list[str] | None:
    """The known vulnerabilities of version `installed` according to its PyPI project JSON, one line each;
    None when that JSON describes another release (the list is for `info.version` only)."""
    try:
        same = Version(installed) == Version(project["info"]["version"])
    except InvalidVersion:
        same = installed == project["info"]["version"]
    if not same:
        return None
    listed = project.get("vulnerabilities") or []
    return [_vuln(v["id"], v.get("fixed_in")) for v in listed if not v.get("withdrawn")]


def _vuln(vuln_id: str, fixed_in: list[str] | None) -> str:
    return f"{vuln_id} (fixed in {', '.join(fixed_in or []) or 'no release yet'})"


def _project_json(client: httpx.Client, name: str) -> dict[str, Any] | None:
    try:
        response = client.get(f"https://pypi.org/pypi/{re.sub(r'[-_.]+', '-', name).lower()}/json")
        response.raise_for_status()
        return dict(response.json())
    except (httpx.HTTPError, ValueError):
        return None


def _fallback_audit(client: httpx.Client, name: str) -> tuple[str, list[str] | None]:
    """("name version", its known vulnerabilities per the project JSON, or None when that cannot tell)."""
    try:
        installed = version(name)
    except PackageNotFoundError:
        return name, None
    project = _project_json(client, name)
    return f"{name} {installed}", None if project is None else latest_release_vulns(installed, project)


def test_no_installed_dependency_has_a_known_vulnerability(tmp_path: Path) -> None:
    if not PIP_AUDIT.exists():
        pytest.skip("pip-audit is not installed (pip install -e '.[dev]')")
    report = tmp_path / "audit.json"
    finished = subprocess.run(
        [str(PIP_AUDIT), "--progress-spinner", "off", "--vulnerability-service", "pypi", "--skip-editable",
         "-f", "json", "-o", str(report)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if not report.exists():
        pytest.skip(f"pip-audit could not reach a vulnerability service: {finished.stderr[-500:]}")
    # This project, installed editable, is no dependency (and "mailhook" on PyPI is someone else's project).
    reported = json.loads(report.read_text())["dependencies"]
    dependencies = [d for d in reported if "editable" not in d.get("skip_reason", "")]
    vulnerable = {
        f"{d['name']} {d['version']}": [_vuln(v["id"], v["fix_versions"]) for v in d["vulns"]]
        for d in dependencies
        if d.get("vulns")
    }
    skipped = [d["name"] for d in dependencies if d.get("skip_reason")]
    with httpx.Client(timeout=5.0) as client, ThreadPoolExecutor(max_workers=8) as pool:
        fallback = dict(pool.map(partial(_fallback_audit, client), skipped))
    vulnerable |= {dependency: vulns for dependency, vulns in fallback.items() if vulns}
    assert vulnerable == {}, f"known vulnerabilities in installed dependencies: {vulnerable}"
    unaudited = sorted(dependency for dependency, vulns in fallback.items() if vulns is None)
    if unaudited:
        pytest.skip(
            f"{len(unaudited)} of {len(dependencies)} dependencies could not be audited (no vulnerability "
            f"service answered for their installed version), no known vulnerability in the rest: "
            + ", ".join(unaudited)
        )


PROJECT = {
    "info": {"version": "2.1.0"},
    "vulnerabilities": [
        {"id": "GHSA-aaaa", "aliases": ["CVE-2024-1"], "fixed_in": ["2.1.1"], "withdrawn": None},
        {"id": "PYSEC-old", "aliases": [], "fixed_in": ["2.0.5"], "withdrawn": "2024-05-01T00:00:00Z"},
    ],
}


def test_the_project_list_audits_only_the_latest_release_and_ignores_withdrawn_entries() -> None:
    assert latest_release_vulns("2.1.0", PROJECT) == ["GHSA-aaaa (fixed in 2.1.1)"]
    assert latest_release_vulns("2.1", PROJECT) == ["GHSA-aaaa (fixed in 2.1.1)"]  # same version, spelt short
    assert latest_release_vulns("2.0.9", PROJECT) is None  # not the latest: the list says nothing about it
    assert latest_release_vulns("2.1.0", {"info": {"version": "2.1.0"}, "vulnerabilities": []}) == []
