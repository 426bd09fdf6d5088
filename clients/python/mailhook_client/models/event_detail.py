from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.event_detail_region import EventDetailRegion
from ..models.event_detail_source import EventDetailSource
from ..models.event_detail_type import EventDetailType

if TYPE_CHECKING:
    from ..models.event_detail_client_info_type_0 import EventDetailClientInfoType0
    from ..models.event_detail_delivery_status_type_0 import (
        EventDetailDeliveryStatusType0,
    )
    from ..models.event_detail_geolocation_type_0 import EventDetailGeolocationType0
    from ..models.event_detail_mailing_list_type_0 import EventDetailMailingListType0
    from ..models.event_detail_payload import EventDetailPayload
    from ..models.event_detail_user_variables import EventDetailUserVariables


T = TypeVar("T", bound="EventDetail")


@_attrs_define
class EventDetail:
    """
    Attributes:
        id (int):
        mailgun_event_id (str):
        occurred_at (datetime.datetime): RFC 3339, UTC.
        received_at (datetime.datetime): RFC 3339, UTC.
        event (str):
        severity (None | str):
        type_ (EventDetailType):
        region (EventDetailRegion):
        domain (None | str):
        recipient (None | str):
        message_id (None | str):
        tags (list[str]):
        user_variables (EventDetailUserVariables):
        reason (None | str):
        delivery_status (EventDetailDeliveryStatusType0 | None):
        url (None | str):
        ip (None | str):
        client_info (EventDetailClientInfoType0 | None):
        geolocation (EventDetailGeolocationType0 | None):
        mailing_list (EventDetailMailingListType0 | None):
        storage_url (None | str):
        source (EventDetailSource):
        payload (EventDetailPayload):
    """

    id: int
    mailgun_event_id: str
    occurred_at: datetime.datetime
    received_at: datetime.datetime
    event: str
    severity: None | str
    type_: EventDetailType
    region: EventDetailRegion
    domain: None | str
    recipient: None | str
    message_id: None | str
    tags: list[str]
    user_variables: EventDetailUserVariables
    reason: None | str
    delivery_status: EventDetailDeliveryStatusType0 | None
    url: None | str
    ip: None | str
    client_info: EventDetailClientInfoType0 | None
    geolocation: EventDetailGeolocationType0 | None
    mailing_list: EventDetailMailingListType0 | None
    storage_url: None | str
    source: EventDetailSource
    payload: EventDetailPayload

    def to_dict(self) -> dict[str, Any]:
        from ..models.event_detail_client_info_type_0 import EventDetailClientInfoType0  # noqa: PLC0415
        from ..models.event_detail_delivery_status_type_0 import (
            EventDetailDeliveryStatusType0,  # noqa: PLC0415
        )
        from ..models.event_detail_geolocation_type_0 import EventDetailGeolocationType0  # noqa: PLC0415
        from ..models.event_detail_mailing_list_type_0 import (
            EventDetailMailingListType0,  # noqa: PLC0415
        )

        id = self.id

        mailgun_event_id = self.mailgun_event_id

        occurred_at = self.occurred_at.isoformat()

        received_at = self.received_at.isoformat()

        event = self.event

        severity: None | str
        severity = self.severity

        type_ = self.type_.value

        region = self.region.value

        domain: None | str
        domain = self.domain

        recipient: None | str
        recipient = self.recipient

        message_id: None | str
        message_id = self.message_id

        tags = self.tags

        user_variables = self.user_variables.to_dict()

        reason: None | str
        reason = self.reason

        delivery_status: dict[str, Any] | None
        if isinstance(self.delivery_status, EventDetailDeliveryStatusType0):
            delivery_status = self.delivery_status.to_dict()
        else:
            delivery_status = self.delivery_status

        url: None | str
        url = self.url

        ip: None | str
        ip = self.ip

        client_info: dict[str, Any] | None
        if isinstance(self.client_info, EventDetailClientInfoType0):
            client_info = self.client_info.to_dict()
        else:
            client_info = self.client_info

        geolocation: dict[str, Any] | None
        if isinstance(self.geolocation, EventDetailGeolocationType0):
            geolocation = self.geolocation.to_dict()
        else:
            geolocation = self.geolocation

        mailing_list: dict[str, Any] | None
        if isinstance(self.mailing_list, EventDetailMailingListType0):
            mailing_list = self.mailing_list.to_dict()
        else:
            mailing_list = self.mailing_list

        storage_url: None | str
        storage_url = self.storage_url

        source = self.source.value

        payload = self.payload.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "mailgun_event_id": mailgun_event_id,
                "occurred_at": occurred_at,
                "received_at": received_at,
                "event": event,
                "severity": severity,
                "type": type_,
                "region": region,
                "domain": domain,
                "recipient": recipient,
                "message_id": message_id,
                "tags": tags,
                "user_variables": user_variables,
                "reason": reason,
                "delivery_status": delivery_status,
                "url": url,
                "ip": ip,
                "client_info": client_info,
                "geolocation": geolocation,
                "mailing_list": mailing_list,
                "storage_url": storage_url,
                "source": source,
                "payload": payload,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_detail_client_info_type_0 import EventDetailClientInfoType0  # noqa: PLC0415
        from ..models.event_detail_delivery_status_type_0 import (
            EventDetailDeliveryStatusType0,  # noqa: PLC0415
        )
        from ..models.event_detail_geolocation_type_0 import EventDetailGeolocationType0  # noqa: PLC0415
        from ..models.event_detail_mailing_list_type_0 import (
            EventDetailMailingListType0,  # noqa: PLC0415
        )
        from ..models.event_detail_payload import EventDetailPayload  # noqa: PLC0415
        from ..models.event_detail_user_variables import EventDetailUserVariables  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        mailgun_event_id = d.pop("mailgun_event_id")

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        received_at = datetime.datetime.fromisoformat(d.pop("received_at"))

        event = d.pop("event")

        def _parse_severity(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        severity = _parse_severity(d.pop("severity"))

        type_ = EventDetailType(d.pop("type"))

        region = EventDetailRegion(d.pop("region"))

        def _parse_domain(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        domain = _parse_domain(d.pop("domain"))

        def _parse_recipient(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        recipient = _parse_recipient(d.pop("recipient"))

        def _parse_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        message_id = _parse_message_id(d.pop("message_id"))

        tags = cast(list[str], d.pop("tags"))

        user_variables = EventDetailUserVariables.from_dict(d.pop("user_variables"))

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        def _parse_delivery_status(data: object) -> EventDetailDeliveryStatusType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                delivery_status_type_0 = EventDetailDeliveryStatusType0.from_dict(data)

                return delivery_status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventDetailDeliveryStatusType0 | None, data)

        delivery_status = _parse_delivery_status(d.pop("delivery_status"))

        def _parse_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        url = _parse_url(d.pop("url"))

        def _parse_ip(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ip = _parse_ip(d.pop("ip"))

        def _parse_client_info(data: object) -> EventDetailClientInfoType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                client_info_type_0 = EventDetailClientInfoType0.from_dict(data)

                return client_info_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventDetailClientInfoType0 | None, data)

        client_info = _parse_client_info(d.pop("client_info"))

        def _parse_geolocation(data: object) -> EventDetailGeolocationType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                geolocation_type_0 = EventDetailGeolocationType0.from_dict(data)

                return geolocation_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventDetailGeolocationType0 | None, data)

        geolocation = _parse_geolocation(d.pop("geolocation"))

        def _parse_mailing_list(data: object) -> EventDetailMailingListType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                mailing_list_type_0 = EventDetailMailingListType0.from_dict(data)

                return mailing_list_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventDetailMailingListType0 | None, data)

        mailing_list = _parse_mailing_list(d.pop("mailing_list"))

        def _parse_storage_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        storage_url = _parse_storage_url(d.pop("storage_url"))

        source = EventDetailSource(d.pop("source"))

        payload = EventDetailPayload.from_dict(d.pop("payload"))

        event_detail = cls(
            id=id,
            mailgun_event_id=mailgun_event_id,
            occurred_at=occurred_at,
            received_at=received_at,
            event=event,
            severity=severity,
            type_=type_,
            region=region,
            domain=domain,
            recipient=recipient,
            message_id=message_id,
            tags=tags,
            user_variables=user_variables,
            reason=reason,
            delivery_status=delivery_status,
            url=url,
            ip=ip,
            client_info=client_info,
            geolocation=geolocation,
            mailing_list=mailing_list,
            storage_url=storage_url,
            source=source,
            payload=payload,
        )

        return event_detail
