"""MAILHOOK_ATTACHMENT_MAX_BYTES: how much of an inbound attachment the database keeps."""

from __future__ import annotations

import pytest

from app.core.settings import DEFAULT_ATTACHMENT_MAX_BYTES, SettingsError, load_settings


def test_default_keeps_attachments_up_to_ten_mib() -> None:
    assert load_settings({}).attachment_max_bytes == DEFAULT_ATTACHMENT_MAX_BYTES == 10 * 1024 * 1024


def test_the_limit_is_read_from_the_environment() -> None:
    assert load_settings({"MAILHOOK_ATTACHMENT_MAX_BYTES": " 2048 "}).attachment_max_bytes == 2048


@pytest.mark.parametrize("raw", ["0", "-1", "ten", "1.5"])
def test_a_wrong_limit_is_refused_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match="MAILHOOK_ATTACHMENT_MAX_BYTES"):
        load_settings({"MAILHOOK_ATTACHMENT_MAX_BYTES": raw})
