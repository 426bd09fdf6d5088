"""Where each region's data lives: one database for everything, or the EU region in a database of its own.

With `DATABASE_URL_EU` set, everything that belongs to the EU region is written to that database and only
there: deliveries received for it, their events, inbound mail, sync actions, poller cursors and the list
mirror. `DATABASE_URL` keeps the US region and whatever arrives without saying its region; the drain then
forwards a delivery that turns out to be European to the EU database (workers/events/forward.py) before
storing anything derived from it.

Each database may have a streaming replica (`DATABASE_URL_READ`, `DATABASE_URL_EU_READ`) that serves the
reads allowed to lag behind the writes (app/core/db.py says which). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.regions import REGIONS
from app.core.settings import Settings

PRIMARY = "primary"


@dataclass(frozen=True, slots=True)
class Store:
    name: str  # "primary", or the region whose database this is
    url: str
    regions: tuple[str, ...]  # the regions whose data this database keeps
    read_url: str | None = None  # a streaming replica of this database, for reads that may lag


def stores(settings: Settings) -> tuple[Store, ...]:
    if settings.database_url_eu is None:
        return (Store(PRIMARY, settings.database_url, REGIONS, settings.database_url_read),)
    us_only = tuple(r for r in REGIONS if r != "eu")
    return (
        Store(PRIMARY, settings.database_url, us_only, settings.database_url_read),
        Store("eu", settings.database_url_eu, ("eu",), settings.database_url_eu_read),
    )


def split(settings: Settings) -> bool:
    """True when some region's data must stay out of the primary database."""
    return settings.database_url_eu is not None


def store_for_region(settings: Settings, region: str | None) -> Store:
    """The database a region's data goes to; an unknown region goes to the primary one."""
    every = stores(settings)
    return next((store for store in every if region in store.regions), every[0])


def store_named(settings: Settings, name: str) -> Store:
    for store in stores(settings):
        if store.name == name:
            return store
    raise KeyError(f"no database named {name!r}")


def delivery_region(settings: Settings, region_hint: str | None, domain_hint: str | None) -> str | None:
    """The region a delivery says it belongs to, by the webhook URL's `region`, else its `domain`."""
    if region_hint is not None:
        return region_hint
    return settings.domain_regions.get(domain_hint) if domain_hint is not None else None
