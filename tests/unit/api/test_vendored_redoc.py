"""The vendored Redoc is the published file its README names, with the one documented change, and the wheel
carries it."""

from __future__ import annotations

import hashlib
import re
import tomllib

from app.api.reference import REDOC
from tests.conftest import REPO

OUTSIDE_LOGO, EMPTY_IMAGE = b'"https://cdn.redoc.ly/redoc/logo-mini.svg"', b'"data:,"'


def named_sha256(what: str) -> str:
    readme = (REDOC.parent / "README.md").read_text()
    found = re.search(rf"sha256 of {re.escape(what)} \| `([0-9a-f]{{64}})`", readme)
    assert found, f"the README names the sha256 of {what}"
    return found.group(1)


def test_the_vendored_redoc_is_the_published_file_but_for_the_outside_logo() -> None:
    vendored = REDOC.read_bytes()
    assert hashlib.sha256(vendored).hexdigest() == named_sha256("`redoc.standalone.js` here")
    assert OUTSIDE_LOGO not in vendored and vendored.count(EMPTY_IMAGE) == 1
    published = vendored.replace(EMPTY_IMAGE, OUTSIDE_LOGO)
    assert hashlib.sha256(published).hexdigest() == named_sha256("the published file")
    assert not re.search(rb"https://cdn\.|fonts\.googleapis", vendored), "no other outside asset"
    assert (REDOC.parent / "LICENSE").read_text().startswith("The MIT License")


def test_the_package_data_ships_the_vendored_files() -> None:
    package_data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "api/vendor/redoc/*" in package_data["app"]
