"""DATABASE_URL_READ and DATABASE_URL_EU_READ: a streaming replica of each Postgres database, checked at start
and carried by the database it reads for (app/core/stores.py)."""

from __future__ import annotations

import pytest

from app.core.settings import Settings, SettingsError, load_settings
from app.core.stores import stores

PRIMARY = "postgresql://mh@db/mailhook"
REPLICA = "postgresql://mh@db-replica/mailhook"
EU = "postgresql://mh@db-eu/mailhook"
EU_REPLICA = "postgresql://mh@db-eu-replica/mailhook"


def test_no_replica_unless_set() -> None:
    settings = load_settings({"DATABASE_URL": PRIMARY})
    assert (settings.database_url_read, settings.database_url_eu_read) == (None, None)
    assert [store.read_url for store in stores(settings)] == [None]


def test_each_database_carries_its_own_replica() -> None:
    settings = load_settings(
        {
            "DATABASE_URL": PRIMARY,
            "DATABASE_URL_READ": "postgres://mh@db-replica/mailhook",  # the Heroku-style alias, as elsewhere
            "DATABASE_URL_EU": EU,
            "DATABASE_URL_EU_READ": EU_REPLICA,
        }
    )
    assert [(store.name, store.url, store.read_url) for store in stores(settings)] == [
        ("primary", PRIMARY, REPLICA),
        ("eu", EU, EU_REPLICA),
    ]


def test_one_database_may_have_a_replica_and_the_other_not() -> None:
    settings = load_settings(
        {"DATABASE_URL": PRIMARY, "DATABASE_URL_EU": EU, "DATABASE_URL_EU_READ": EU_REPLICA}
    )
    assert [store.read_url for store in stores(settings)] == [None, EU_REPLICA]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DATABASE_URL_READ": REPLICA},
            "DATABASE_URL_READ must be a postgresql:// URL",
        ),  # primary is SQLite
        ({"DATABASE_URL": PRIMARY, "DATABASE_URL_READ": "sqlite:///replica.db"}, "must be a postgresql://"),
        (
            {"DATABASE_URL": PRIMARY, "DATABASE_URL_READ": "mysql://db/mh"},
            "DATABASE_URL_READ must start with",
        ),
        ({"DATABASE_URL": PRIMARY, "DATABASE_URL_EU_READ": EU_REPLICA}, "DATABASE_URL_EU is not"),
        (
            {
                "DATABASE_URL": PRIMARY,
                "DATABASE_URL_EU": "sqlite:///eu.db",
                "DATABASE_URL_EU_READ": EU_REPLICA,
            },
            "DATABASE_URL_EU_READ must be a postgresql://",
        ),
    ],
)
def test_a_replica_url_that_cannot_serve_is_refused_in_one_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as refused:
        load_settings(env)
    assert "\n" not in str(refused.value)
    assert "db-replica" not in str(refused.value) and "db-eu-replica" not in str(refused.value)


def test_a_replica_url_stays_out_of_the_settings_repr() -> None:
    settings = Settings(database_url=PRIMARY, database_url_read="postgresql://mh:s3cret@db-replica/mailhook")
    assert "s3cret" not in repr(settings)
