from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.inbound_summary_fetch_status_type_1 import InboundSummaryFetchStatusType1
from ..models.inbound_summary_region_type_1 import InboundSummaryRegionType1

T = TypeVar("T", bound="InboundSummary")


@_attrs_define
class InboundSummary:
    """
    Attributes:
        id (int):
        received_at (datetime.datetime): RFC 3339, UTC.
        region (InboundSummaryRegionType1 | None):
        domain (None | str):
        recipient (None | str):
        sender (None | str):
        from_name (None | str):
        from_address (None | str):
        subject (None | str):
        date (datetime.datetime | None): The Date header, in UTC.
        message_id (None | str):
        fetch_status (InboundSummaryFetchStatusType1 | None): store() notifications only: the stored message's fetch.
    """

    id: int
    received_at: datetime.datetime
    region: InboundSummaryRegionType1 | None
    domain: None | str
    recipient: None | str
    sender: None | str
    from_name: None | str
    from_address: None | str
    subject: None | str
    date: datetime.datetime | None
    message_id: None | str
    fetch_status: InboundSummaryFetchStatusType1 | None

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        received_at = self.received_at.isoformat()

        region: None | str
        if isinstance(self.region, InboundSummaryRegionType1):
            region = self.region.value
        else:
            region = self.region

        domain: None | str
        domain = self.domain

        recipient: None | str
        recipient = self.recipient

        sender: None | str
        sender = self.sender

        from_name: None | str
        from_name = self.from_name

        from_address: None | str
        from_address = self.from_address

        subject: None | str
        subject = self.subject

        date: None | str
        if isinstance(self.date, datetime.datetime):
            date = self.date.isoformat()
        else:
            date = self.date

        message_id: None | str
        message_id = self.message_id

        fetch_status: None | str
        if isinstance(self.fetch_status, InboundSummaryFetchStatusType1):
            fetch_status = self.fetch_status.value
        else:
            fetch_status = self.fetch_status

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "received_at": received_at,
                "region": region,
                "domain": domain,
                "recipient": recipient,
                "sender": sender,
                "from_name": from_name,
                "from_address": from_address,
                "subject": subject,
                "date": date,
                "message_id": message_id,
                "fetch_status": fetch_status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        received_at = datetime.datetime.fromisoformat(d.pop("received_at"))

        def _parse_region(data: object) -> InboundSummaryRegionType1 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                region_type_1 = InboundSummaryRegionType1(data)

                return region_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(InboundSummaryRegionType1 | None, data)

        region = _parse_region(d.pop("region"))

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

        def _parse_sender(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sender = _parse_sender(d.pop("sender"))

        def _parse_from_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        from_name = _parse_from_name(d.pop("from_name"))

        def _parse_from_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        from_address = _parse_from_address(d.pop("from_address"))

        def _parse_subject(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        subject = _parse_subject(d.pop("subject"))

        def _parse_date(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                date_type_0 = datetime.datetime.fromisoformat(data)

                return date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        date = _parse_date(d.pop("date"))

        def _parse_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        message_id = _parse_message_id(d.pop("message_id"))

        def _parse_fetch_status(data: object) -> InboundSummaryFetchStatusType1 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                fetch_status_type_1 = InboundSummaryFetchStatusType1(data)

                return fetch_status_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(InboundSummaryFetchStatusType1 | None, data)

        fetch_status = _parse_fetch_status(d.pop("fetch_status"))

        inbound_summary = cls(
            id=id,
            received_at=received_at,
            region=region,
            domain=domain,
            recipient=recipient,
            sender=sender,
            from_name=from_name,
            from_address=from_address,
            subject=subject,
            date=date,
            message_id=message_id,
            fetch_status=fetch_status,
        )

        return inbound_summary
