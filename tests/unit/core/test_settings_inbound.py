"""Inbound settings: how much of an attachment the database keeps, the bounds MIME parsing reads within."""

from __future__ import annotations

import dataclasses

import pytest

from app.core.settings import DEFAULT_ATTACHMENT_MAX_BYTES, SettingsError, load_settings
from workers.inbound.limits import DefaultLimits


def test_default_keeps_attachments_up_to_ten_mib() -> None:
    assert load_settings({}).attachment_max_bytes == DEFAULT_ATTACHMENT_MAX_BYTES == 10 * 1024 * 1024


def test_the_limit_is_read_from_the_environment() -> None:
    assert load_settings({"MAILHOOK_ATTACHMENT_MAX_BYTES": " 2048 "}).attachment_max_bytes == 2048


@pytest.mark.parametrize("raw", ["0", "-1", "ten", "1.5"])
def test_a_wrong_limit_is_refused_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match="MAILHOOK_ATTACHMENT_MAX_BYTES"):
        load_settings({"MAILHOOK_ATTACHMENT_MAX_BYTES": raw})


MIME_VARIABLES = {
    "MAILHOOK_MIME_MAX_HEADER_BYTES": "max_header_bytes",
    "MAILHOOK_MIME_MAX_HEADERS": "max_headers",
    "MAILHOOK_MIME_MAX_PARAMS": "max_params",
    "MAILHOOK_MIME_MAX_ENCODED_WORDS": "max_encoded_words",
    "MAILHOOK_MIME_MAX_PARTS": "max_parts",
    "MAILHOOK_MIME_MAX_DEPTH": "max_depth",
}


def test_mime_limits_default_to_the_parsers_own() -> None:
    assert dataclasses.asdict(load_settings({}).mime) == dataclasses.asdict(DefaultLimits())


@pytest.mark.parametrize(("variable", "attribute"), MIME_VARIABLES.items())
def test_each_mime_limit_is_configurable(variable: str, attribute: str) -> None:
    limits = load_settings({variable: " 7 "}).mime

    assert getattr(limits, attribute) == 7
    others = {name: getattr(limits, name) for name in MIME_VARIABLES.values() if name != attribute}
    assert others == {name: getattr(DefaultLimits(), name) for name in others}


@pytest.mark.parametrize("raw", ["0", "-1", "many", "1.5"])
def test_a_wrong_mime_limit_names_its_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match="MAILHOOK_MIME_MAX_PARTS"):
        load_settings({"MAILHOOK_MIME_MAX_PARTS": raw})
