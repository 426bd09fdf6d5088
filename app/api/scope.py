"""The `region` parameter every /api/v1 endpoint takes: which database a request reads or writes, and which
region's rows it sees.

With one database (DATABASE_URL_EU unset) it is optional and only filters; with the EU region in a database
of its own it is required, since row ids, cursors and counts belong to one database and an answer drawn from
the primary one alone would silently leave out every EU row.

The scope also says which server of that database a request talks to. `engine` is the database itself:
every write, and every read that must see a write (its own, or the latest one: the feed's watermark and
its rows). `read_engine` is the database's streaming replica when one is set (DATABASE_URL_READ,
DATABASE_URL_EU_READ), else the database itself: the listings and lookups, which may lag behind by the
replica's replay delay. A replica that does not answer is a 503 with Retry-After (app/api/routes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, or_

from app.api.params import Args, choice_arg
from app.api.problems import bad_parameter
from app.core.db import region_engine, region_read_engine
from app.core.regions import REGIONS
from app.core.stores import split
from app.web.services import services

REGION = "region"
REQUIRED = "is required because each region's data is kept in its own database: give " + " or ".join(
    f"{REGION}={name}" for name in REGIONS
)


@dataclass(frozen=True, slots=True)
class Scope:
    region: str | None  # None: every region (only when one database keeps them all)
    engine: Engine  # the database itself: writes, and reads that must see the latest writes
    read_engine: Engine  # its streaming replica, or itself without one: reads that may lag

    def only(self, column: Any) -> list[ColumnElement[bool]]:
        """Rows of the asked region, by a region column that always says it."""
        return [column == self.region] if self.region is not None else []

    def only_or_unknown(self, column: Any) -> list[ColumnElement[bool]]:
        """Rows of the asked region and rows whose region was never known (a nullable region column): the
        latter are kept in the primary database and would otherwise be reachable by no region at all."""
        return [or_(column == self.region, column.is_(None))] if self.region is not None else []


def request_scope(args: Args) -> Scope:
    """The scope `args` asks for; 400 without a region when each region has its own database."""
    settings = services().settings
    region = choice_arg(args, REGION, REGIONS)
    if region is None and split(settings):
        raise bad_parameter(REGION, REQUIRED)
    return Scope(region, region_engine(settings, region), region_read_engine(settings, region))
