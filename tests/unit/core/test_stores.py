"""Which database keeps which region (app/core/stores.py), and how DATABASE_URL_EU is read."""

from __future__ import annotations

import pytest

from app.core.settings import Settings, SettingsError, load_settings
from app.core.stores import PRIMARY, delivery_region, split, store_for_region, store_named, stores

PRIMARY_URL, EU_URL = "postgresql://db-us/mailhook", "postgresql://db-eu/mailhook"


def test_one_database_keeps_every_region_by_default() -> None:
    settings = Settings(database_url=PRIMARY_URL)
    assert not split(settings)
    assert [(s.name, s.url, s.regions) for s in stores(settings)] == [(PRIMARY, PRIMARY_URL, ("us", "eu"))]
    assert store_for_region(settings, "eu").url == PRIMARY_URL


def test_the_eu_database_keeps_the_eu_region_only() -> None:
    settings = Settings(database_url=PRIMARY_URL, database_url_eu=EU_URL)
    assert split(settings)
    assert store_for_region(settings, "eu").url == EU_URL
    assert store_for_region(settings, "us").url == PRIMARY_URL
    assert store_for_region(settings, None).url == PRIMARY_URL  # a delivery that does not say
    assert store_named(settings, "eu").regions == ("eu",)
    with pytest.raises(KeyError):
        store_named(settings, "ap")


def test_a_delivery_says_its_region_by_hint_then_by_configured_domain() -> None:
    settings = Settings(domain_regions={"example.eu": "eu", "example.com": "us"})
    assert delivery_region(settings, "us", "example.eu") == "us"
    assert delivery_region(settings, None, "example.eu") == "eu"
    assert delivery_region(settings, None, "unknown.org") is None
    assert delivery_region(settings, None, None) is None


def test_database_url_eu_is_read_and_checked() -> None:
    settings = load_settings({"DATABASE_URL": PRIMARY_URL, "DATABASE_URL_EU": "postgres://db-eu/mailhook"})
    assert settings.database_url_eu == EU_URL  # the Heroku-style alias is accepted, as for DATABASE_URL
    assert load_settings({"DATABASE_URL": PRIMARY_URL}).database_url_eu is None
    with pytest.raises(SettingsError, match="DATABASE_URL_EU must start with"):
        load_settings({"DATABASE_URL_EU": "mysql://db-eu/mailhook"})
    with pytest.raises(SettingsError, match="DATABASE_URL_EU must name another database"):
        load_settings({"DATABASE_URL": PRIMARY_URL, "DATABASE_URL_EU": PRIMARY_URL})


def test_the_eu_database_url_stays_out_of_the_settings_repr() -> None:
    settings = Settings(database_url_eu="postgresql://user:secret@db-eu/mailhook")
    assert "secret" not in repr(settings)
