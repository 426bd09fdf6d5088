from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.new_subscription_region_type_1 import NewSubscriptionRegionType1
from ..models.new_subscription_status import NewSubscriptionStatus
from ..models.new_subscription_types_type_0_item import NewSubscriptionTypesType0Item

if TYPE_CHECKING:
    from ..models.new_subscription_lag import NewSubscriptionLag


T = TypeVar("T", bound="NewSubscription")


@_attrs_define
class NewSubscription:
    """
    Attributes:
        id (int):
        url (str):
        types (list[NewSubscriptionTypesType0Item] | None):
        region (NewSubscriptionRegionType1 | None):
        status (NewSubscriptionStatus): `paused` after failing for MAILHOOK_PUSH_PAUSE_AFTER_SECONDS; see last_error.
        attempts (int): Failed tries of the batch out now.
        failing_since (datetime.datetime | None): RFC 3339, UTC.
        last_error (None | str):
        next_attempt_at (datetime.datetime): RFC 3339, UTC.
        delivered_at (datetime.datetime | None): The last 2xx.
        created_at (datetime.datetime): RFC 3339, UTC.
        updated_at (datetime.datetime): RFC 3339, UTC.
        feed_position (str): The feed position delivered through, usable as GET /feed's `after`.
        lag (NewSubscriptionLag):
        secret (str): `whsec_` + base64 of the HMAC key's bytes (Standard Webhooks). Shown only here.
    """

    id: int
    url: str
    types: list[NewSubscriptionTypesType0Item] | None
    region: NewSubscriptionRegionType1 | None
    status: NewSubscriptionStatus
    attempts: int
    failing_since: datetime.datetime | None
    last_error: None | str
    next_attempt_at: datetime.datetime
    delivered_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    feed_position: str
    lag: NewSubscriptionLag
    secret: str

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        url = self.url

        types: list[str] | None
        if isinstance(self.types, list):
            types = []
            for types_type_0_item_data in self.types:
                types_type_0_item = types_type_0_item_data.value
                types.append(types_type_0_item)

        else:
            types = self.types

        region: None | str
        if isinstance(self.region, NewSubscriptionRegionType1):
            region = self.region.value
        else:
            region = self.region

        status = self.status.value

        attempts = self.attempts

        failing_since: None | str
        if isinstance(self.failing_since, datetime.datetime):
            failing_since = self.failing_since.isoformat()
        else:
            failing_since = self.failing_since

        last_error: None | str
        last_error = self.last_error

        next_attempt_at = self.next_attempt_at.isoformat()

        delivered_at: None | str
        if isinstance(self.delivered_at, datetime.datetime):
            delivered_at = self.delivered_at.isoformat()
        else:
            delivered_at = self.delivered_at

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        feed_position = self.feed_position

        lag = self.lag.to_dict()

        secret = self.secret

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "url": url,
                "types": types,
                "region": region,
                "status": status,
                "attempts": attempts,
                "failing_since": failing_since,
                "last_error": last_error,
                "next_attempt_at": next_attempt_at,
                "delivered_at": delivered_at,
                "created_at": created_at,
                "updated_at": updated_at,
                "feed_position": feed_position,
                "lag": lag,
                "secret": secret,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.new_subscription_lag import NewSubscriptionLag  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        url = d.pop("url")

        def _parse_types(data: object) -> list[NewSubscriptionTypesType0Item] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                types_type_0 = []
                _types_type_0 = data
                for types_type_0_item_data in _types_type_0:
                    types_type_0_item = NewSubscriptionTypesType0Item(types_type_0_item_data)

                    types_type_0.append(types_type_0_item)

                return types_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[NewSubscriptionTypesType0Item] | None, data)

        types = _parse_types(d.pop("types"))

        def _parse_region(data: object) -> NewSubscriptionRegionType1 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                region_type_1 = NewSubscriptionRegionType1(data)

                return region_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(NewSubscriptionRegionType1 | None, data)

        region = _parse_region(d.pop("region"))

        status = NewSubscriptionStatus(d.pop("status"))

        attempts = d.pop("attempts")

        def _parse_failing_since(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                failing_since_type_0 = datetime.datetime.fromisoformat(data)

                return failing_since_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        failing_since = _parse_failing_since(d.pop("failing_since"))

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        next_attempt_at = datetime.datetime.fromisoformat(d.pop("next_attempt_at"))

        def _parse_delivered_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                delivered_at_type_0 = datetime.datetime.fromisoformat(data)

                return delivered_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        delivered_at = _parse_delivered_at(d.pop("delivered_at"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        feed_position = d.pop("feed_position")

        lag = NewSubscriptionLag.from_dict(d.pop("lag"))

        secret = d.pop("secret")

        new_subscription = cls(
            id=id,
            url=url,
            types=types,
            region=region,
            status=status,
            attempts=attempts,
            failing_since=failing_since,
            last_error=last_error,
            next_attempt_at=next_attempt_at,
            delivered_at=delivered_at,
            created_at=created_at,
            updated_at=updated_at,
            feed_position=feed_position,
            lag=lag,
            secret=secret,
        )

        return new_subscription
