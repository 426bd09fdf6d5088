from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.list_membership_region import ListMembershipRegion

T = TypeVar("T", bound="ListMembership")


@_attrs_define
class ListMembership:
    """
    Attributes:
        region (ListMembershipRegion):
        list_address (str):
        subscribed (bool):
        refreshed_at (datetime.datetime): RFC 3339, UTC.
    """

    region: ListMembershipRegion
    list_address: str
    subscribed: bool
    refreshed_at: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        region = self.region.value

        list_address = self.list_address

        subscribed = self.subscribed

        refreshed_at = self.refreshed_at.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "region": region,
                "list_address": list_address,
                "subscribed": subscribed,
                "refreshed_at": refreshed_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        region = ListMembershipRegion(d.pop("region"))

        list_address = d.pop("list_address")

        subscribed = d.pop("subscribed")

        refreshed_at = datetime.datetime.fromisoformat(d.pop("refreshed_at"))

        list_membership = cls(
            region=region,
            list_address=list_address,
            subscribed=subscribed,
            refreshed_at=refreshed_at,
        )

        return list_membership
