from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="NewSubscriptionLag")


@_attrs_define
class NewSubscriptionLag:
    """
    Attributes:
        items (int): Events still to push.
        seconds (float): Age of the oldest event still to push; 0 when caught up.
    """

    items: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        items = self.items

        seconds = self.seconds

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "items": items,
                "seconds": seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        items = d.pop("items")

        seconds = d.pop("seconds")

        new_subscription_lag = cls(
            items=items,
            seconds=seconds,
        )

        return new_subscription_lag
