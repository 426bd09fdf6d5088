from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateSubscriptionBody")


@_attrs_define
class CreateSubscriptionBody:
    """
    Attributes:
        url (str): http or https, without user name or password. Loopback and private addresses are allowed;
            MAILHOOK_SUBSCRIPTION_ALLOWED_HOSTS narrows the hosts.
        types (list[str] | Unset): Event types to push, case-insensitive: queued, delivered, deferred, bounced,
            rejected, opened, clicked, complained, unsubscribed, stored, unknown. Every type when left out.
        region (str | Unset): Only this region's events (us, eu, case-insensitive). With the EU region's data in a
            database of its own, a region is required, here or as the query's `region` (the subscription is kept in that
            region's database).
    """

    url: str
    types: list[str] | Unset = UNSET
    region: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        types: list[str] | Unset = UNSET
        if not isinstance(self.types, Unset):
            types = self.types

        region = self.region

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
            }
        )
        if types is not UNSET:
            field_dict["types"] = types
        if region is not UNSET:
            field_dict["region"] = region

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        types = cast(list[str], d.pop("types", UNSET))

        region = d.pop("region", UNSET)

        create_subscription_body = cls(
            url=url,
            types=types,
            region=region,
        )

        return create_subscription_body
