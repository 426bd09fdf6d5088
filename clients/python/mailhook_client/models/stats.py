from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.stats_interval import StatsInterval

if TYPE_CHECKING:
    from ..models.stats_buckets_item import StatsBucketsItem


T = TypeVar("T", bound="Stats")


@_attrs_define
class Stats:
    """
    Attributes:
        interval (StatsInterval):
        since (datetime.datetime): RFC 3339, UTC.
        until (datetime.datetime): RFC 3339, UTC.
        buckets (list[StatsBucketsItem]):
    """

    interval: StatsInterval
    since: datetime.datetime
    until: datetime.datetime
    buckets: list[StatsBucketsItem]

    def to_dict(self) -> dict[str, Any]:
        interval = self.interval.value

        since = self.since.isoformat()

        until = self.until.isoformat()

        buckets = []
        for buckets_item_data in self.buckets:
            buckets_item = buckets_item_data.to_dict()
            buckets.append(buckets_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "interval": interval,
                "since": since,
                "until": until,
                "buckets": buckets,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.stats_buckets_item import StatsBucketsItem  # noqa: PLC0415

        d = dict(src_dict)
        interval = StatsInterval(d.pop("interval"))

        since = datetime.datetime.fromisoformat(d.pop("since"))

        until = datetime.datetime.fromisoformat(d.pop("until"))

        buckets = []
        _buckets = d.pop("buckets")
        for buckets_item_data in _buckets:
            buckets_item = StatsBucketsItem.from_dict(buckets_item_data)

            buckets.append(buckets_item)

        stats = cls(
            interval=interval,
            since=since,
            until=until,
            buckets=buckets,
        )

        return stats
