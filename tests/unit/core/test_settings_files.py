"""Secrets from files (NAME_FILE, as Docker and Kubernetes mount them) and the settings that used to bypass
validation: the group committers, the web threads, the worker's metrics port."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.secret_files import SECRET_VARIABLES
from app.core.settings import SettingsError, load_settings


def secret_file(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content)
    return str(path)


def test_every_secret_is_read_from_its_file_without_the_trailing_newline(tmp_path: Path) -> None:
    values = {
        "DATABASE_URL": "postgresql://mh:s3cret@db/mh",
        "DATABASE_URL_EU": "postgresql://mh:s3cret@db-eu/mh",
        "DATABASE_URL_READ": "postgresql://mh:s3cret@db-replica/mh",
        "DATABASE_URL_EU_READ": "postgresql://mh:s3cret@db-eu-replica/mh",
        "REDIS_URL": "redis://:pw@cache:6379/0",
        "MAILGUN_WEBHOOK_SIGNING_KEYS": "new-key,old-key",
        "MAILGUN_API_KEY": "key-from-file",
        "MAILHOOK_API_TOKENS": "t1,t2",
    }
    assert set(values) == set(SECRET_VARIABLES)
    env = {f"{name}_FILE": secret_file(tmp_path, name, value + "\n") for name, value in values.items()}
    settings = load_settings(env)
    assert settings.database_url == values["DATABASE_URL"]
    assert settings.database_url_eu == values["DATABASE_URL_EU"]
    assert settings.database_url_read == values["DATABASE_URL_READ"]
    assert settings.database_url_eu_read == values["DATABASE_URL_EU_READ"]
    assert settings.redis_url == values["REDIS_URL"]
    assert settings.signing_keys == ("new-key", "old-key")
    assert settings.api_key == "key-from-file"
    assert settings.api_tokens == ("t1", "t2")


def test_a_file_value_is_validated_like_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL must start with"):
        load_settings({"DATABASE_URL_FILE": secret_file(tmp_path, "db", "mysql://x")})


def test_both_the_variable_and_its_file_is_an_error(tmp_path: Path) -> None:
    env = {"MAILGUN_API_KEY": "a", "MAILGUN_API_KEY_FILE": secret_file(tmp_path, "k", "b")}
    with pytest.raises(SettingsError, match="MAILGUN_API_KEY and MAILGUN_API_KEY_FILE are both set"):
        load_settings(env)


def test_a_missing_or_empty_file_names_the_variable_and_never_shows_content(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="MAILHOOK_API_TOKENS_FILE: cannot read") as missing:
        load_settings({"MAILHOOK_API_TOKENS_FILE": str(tmp_path / "absent")})
    assert "FileNotFoundError" in str(missing.value)
    with pytest.raises(SettingsError, match="is empty"):
        load_settings({"MAILHOOK_API_TOKENS_FILE": secret_file(tmp_path, "empty", "\n")})
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfetop-secret")
    with pytest.raises(SettingsError) as unreadable:
        load_settings({"MAILHOOK_API_TOKENS_FILE": str(binary)})
    assert "top-secret" not in str(unreadable.value)


def test_an_empty_variable_beside_its_file_is_not_a_conflict(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "", "DATABASE_URL_FILE": secret_file(tmp_path, "db", "sqlite:///x.sqlite3")}
    assert load_settings(env).database_url == "sqlite:///x.sqlite3"


def test_intake_and_worker_numbers_are_settings() -> None:
    settings = load_settings(
        {
            "MAILHOOK_GROUP_COMMITTERS": "2",
            "GUNICORN_THREADS": "16",
            "MAILHOOK_WORKER_METRICS_PORT": "9101",
        }
    )
    assert (settings.group_committers, settings.web_threads, settings.worker_metrics_port) == (2, 16, 9101)
    defaults = load_settings({})
    assert (defaults.group_committers, defaults.web_threads, defaults.worker_metrics_port) == (1, 16, None)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MAILHOOK_GROUP_COMMITTERS", "two", "must be a whole number"),
        ("MAILHOOK_GROUP_COMMITTERS", "0", "at least 1"),
        ("GUNICORN_THREADS", "-4", "at least 1"),
        ("MAILHOOK_WORKER_METRICS_PORT", "http", "must be a whole number"),
        ("MAILHOOK_WORKER_METRICS_PORT", "70000", "must be a TCP port"),
    ],
)
def test_a_bad_number_stops_the_start_naming_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"{name} {message}" if "TCP" in message else message) as raised:
        load_settings({name: value})
    assert name in str(raised.value)
