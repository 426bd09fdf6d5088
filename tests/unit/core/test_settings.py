"""Settings: every variable parsed, every wrong value named in one line."""

from __future__ import annotations

import pytest

from app.core.settings import DEFAULT_SIGNATURE_MAX_AGE, SettingsError, load_settings


def test_defaults_need_no_configuration() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite:///var/mailhook.sqlite3"
    assert settings.redis_url is None
    assert settings.signing_keys == ()
    assert settings.signature_max_age == DEFAULT_SIGNATURE_MAX_AGE == 43200
    assert settings.api_bases == {"us": "https://api.mailgun.net", "eu": "https://api.eu.mailgun.net"}
    assert settings.env == "development"


def test_every_variable_is_read() -> None:
    settings = load_settings(
        {
            "DATABASE_URL": "postgres://u:secret@db:5432/mh",
            "REDIS_URL": "redis://cache:6379/1",
            "MAILGUN_WEBHOOK_SIGNING_KEYS": " new-key , old-key ,",
            "MAILGUN_API_KEY": "key-123",
            "MAILGUN_DOMAINS": "Example.com:us, mg.example.eu:EU",
            "MAILGUN_API_BASE_US": "http://127.0.0.1:9001/",
            "MAILGUN_API_BASE_EU": "http://127.0.0.1:9002",
            "MAILHOOK_API_TOKENS": "t1,t2",
            "MAILHOOK_SIGNATURE_MAX_AGE": "600",
            "MAILHOOK_ENV": "production",
        }
    )
    assert settings.database_url == "postgresql://u:secret@db:5432/mh"
    assert settings.redis_url == "redis://cache:6379/1"
    assert settings.signing_keys == ("new-key", "old-key")
    assert settings.api_key == "key-123"
    assert settings.domain_regions == {"example.com": "us", "mg.example.eu": "eu"}
    assert settings.api_bases == {"us": "http://127.0.0.1:9001", "eu": "http://127.0.0.1:9002"}
    assert settings.api_tokens == ("t1", "t2")
    assert settings.signature_max_age == 600
    assert settings.is_production and settings.is_postgres
    assert settings.domains_in("eu") == ["mg.example.eu"]


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL"),
        ({"MAILGUN_DOMAINS": "example.com"}, "MAILGUN_DOMAINS"),
        ({"MAILGUN_DOMAINS": "example.com:asia"}, "MAILGUN_DOMAINS"),
        ({"MAILGUN_API_BASE_EU": "ftp://x"}, "MAILGUN_API_BASE_EU"),
        ({"MAILHOOK_SIGNATURE_MAX_AGE": "ten"}, "MAILHOOK_SIGNATURE_MAX_AGE"),
        ({"MAILHOOK_SIGNATURE_MAX_AGE": "0"}, "MAILHOOK_SIGNATURE_MAX_AGE"),
        ({"MAILHOOK_ENV": "staging"}, "MAILHOOK_ENV"),
        ({"MAILHOOK_JSON_MAX_DEPTH": "0"}, "MAILHOOK_JSON_MAX_DEPTH"),
        ({"MAILHOOK_JSON_MAX_DEPTH": "257"}, "MAILHOOK_JSON_MAX_DEPTH"),
        ({"MAILHOOK_ENV": "production", "MAILHOOK_API_TOKENS": "t"}, "MAILGUN_WEBHOOK_SIGNING_KEYS"),
        ({"MAILHOOK_ENV": "production", "MAILGUN_WEBHOOK_SIGNING_KEYS": "k"}, "MAILHOOK_API_TOKENS"),
    ],
)
def test_wrong_settings_name_the_variable_in_one_line(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)
    message = str(raised.value)
    assert named in message
    assert "\n" not in message


def test_the_json_depth_limit_can_be_lowered_not_raised() -> None:
    assert load_settings({}).json_max_depth == 256
    assert load_settings({"MAILHOOK_JSON_MAX_DEPTH": "32"}).json_max_depth == 32
    with pytest.raises(SettingsError, match="MAILHOOK_JSON_MAX_DEPTH must be at most 256, got 257"):
        load_settings({"MAILHOOK_JSON_MAX_DEPTH": "257"})


def test_repr_never_shows_secrets() -> None:
    settings = load_settings(
        {
            "DATABASE_URL": "postgresql://u:hunter2@db/mh",
            "MAILGUN_API_KEY": "key-secret",
            "MAILGUN_WEBHOOK_SIGNING_KEYS": "sign-secret",
            "MAILHOOK_API_TOKENS": "tok-secret",
        }
    )
    shown = repr(settings)
    for secret in ("hunter2", "key-secret", "sign-secret", "tok-secret"):
        assert secret not in shown
