from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.stats_buckets_item_counts import StatsBucketsItemCounts


T = TypeVar("T", bound="StatsBucketsItem")


@_attrs_define
class StatsBucketsItem:
    """
    Attributes:
        start (datetime.datetime): RFC 3339, UTC.
        total (int):
        counts (StatsBucketsItemCounts):
    """

    start: datetime.datetime
    total: int
    counts: StatsBucketsItemCounts

    def to_dict(self) -> dict[str, Any]:
        start = self.start.isoformat()

        total = self.total

        counts = self.counts.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "start": start,
                "total": total,
                "counts": counts,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.stats_buckets_item_counts import StatsBucketsItemCounts  # noqa: PLC0415

        d = dict(src_dict)
        start = datetime.datetime.fromisoformat(d.pop("start"))

        total = d.pop("total")

        counts = StatsBucketsItemCounts.from_dict(d.pop("counts"))

        stats_buckets_item = cls(
            start=start,
            total=total,
            counts=counts,
        )

        return stats_buckets_item
