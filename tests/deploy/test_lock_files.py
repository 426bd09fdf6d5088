"""The lock files pin every dependency pyproject.toml declares, within its bounds, each with hashes; `make`
and the image install from them, hash-checked."""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import REPO

PIN = re.compile(r"^([A-Za-z0-9_.\-\[\],]+)==([^\s;\\]+)")


def pins(lock: str) -> dict[str, tuple[Version, int]]:
    """name -> (pinned version, number of hashes) of one lock file."""
    found: dict[str, tuple[Version, int]] = {}
    current = ""
    for line in (REPO / lock).read_text().splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match.group(1).split("[")[0])
            found[current] = (Version(match.group(2)), 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
    return found


def declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(item) for item in listed]


@pytest.mark.parametrize(("lock", "extra"), [("requirements.lock", "c"), ("requirements-dev.lock", "dev")])
def test_every_declared_dependency_is_pinned_within_its_bounds_with_hashes(
    lock: str, extra: str | None
) -> None:
    pinned = pins(lock)
    assert pinned, f"{lock} pins nothing"
    for requirement in declared(extra):
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{lock} does not pin {name}"
        version, _ = pinned[name]
        assert requirement.specifier.contains(version, prereleases=True), f"{lock}: {name}=={version}"
    assert all(hashes > 0 for _, hashes in pinned.values()), "a pin without a hash"


def test_make_and_the_image_install_from_the_locks_with_hashes_checked() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert "--require-hashes -r requirements-dev.lock" in makefile
    assert "--no-deps -e ." in makefile
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "!requirements.lock" in (REPO / "deploy" / "Dockerfile.dockerignore").read_text()


def test_directly_imported_libraries_are_declared() -> None:
    names = {canonicalize_name(r.name) for r in declared()}
    for imported in ("flask", "werkzeug", "click", "celery", "kombu", "markupsafe", "sqlalchemy", "psycopg"):
        assert imported in names, imported


def test_the_service_lock_pins_the_versions_the_tests_run() -> None:
    """The image installs requirements.lock, the tests run on requirements-dev.lock: the same versions, but
    for psycopg's implementation, compiled against the system libpq in the image (psycopg-c) and bundling its
    own libpq for the tests (psycopg-binary), both of psycopg's very version."""
    dev, image = pins("requirements-dev.lock"), pins("requirements.lock")
    assert "psycopg-binary" not in image, "the image uses the system libpq, not a bundled one"
    assert image["psycopg-c"][0] == image["psycopg"][0] == dev["psycopg-binary"][0]
    differing = {
        name: (version, dev.get(name)) for name, (version, _) in image.items() if name != "psycopg-c"
    }
    assert {name: pair for name, pair in differing.items() if pair[1] is None or pair[1][0] != pair[0]} == {}
