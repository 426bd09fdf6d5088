from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.inbound_detail_fetch_status_type_1 import InboundDetailFetchStatusType1
from ..models.inbound_detail_region_type_1 import InboundDetailRegionType1

if TYPE_CHECKING:
    from ..models.inbound_attachment import InboundAttachment
    from ..models.inbound_detail_stored_attachments_item import (
        InboundDetailStoredAttachmentsItem,
    )


T = TypeVar("T", bound="InboundDetail")


@_attrs_define
class InboundDetail:
    """
    Attributes:
        id (int):
        received_at (datetime.datetime): RFC 3339, UTC.
        region (InboundDetailRegionType1 | None):
        domain (None | str):
        recipient (None | str):
        sender (None | str):
        from_name (None | str):
        from_address (None | str):
        subject (None | str):
        date (datetime.datetime | None): The Date header, in UTC.
        message_id (None | str):
        fetch_status (InboundDetailFetchStatusType1 | None): store() notifications only: the stored message's fetch.
        to (list[str]):
        cc (list[str]):
        in_reply_to (None | str):
        references (list[str]):
        headers (list[list[str]]):
        body_text (None | str):
        body_html (None | str):
        stripped_text (None | str):
        stripped_html (None | str):
        stripped_signature (None | str):
        spam_flag (bool | None):
        spam_score (float | None):
        storage_url (None | str):
        stored_attachments (list[InboundDetailStoredAttachmentsItem]): The attachments a store() notification listed
            (URLs).
        content_hash (None | str):
        fetch_attempts (int):
        fetch_error (None | str):
        fetched_at (datetime.datetime | None): RFC 3339, UTC.
        raw_size (int | None): Bytes of raw MIME kept; null when none.
        attachments (list[InboundAttachment]):
    """

    id: int
    received_at: datetime.datetime
    region: InboundDetailRegionType1 | None
    domain: None | str
    recipient: None | str
    sender: None | str
    from_name: None | str
    from_address: None | str
    subject: None | str
    date: datetime.datetime | None
    message_id: None | str
    fetch_status: InboundDetailFetchStatusType1 | None
    to: list[str]
    cc: list[str]
    in_reply_to: None | str
    references: list[str]
    headers: list[list[str]]
    body_text: None | str
    body_html: None | str
    stripped_text: None | str
    stripped_html: None | str
    stripped_signature: None | str
    spam_flag: bool | None
    spam_score: float | None
    storage_url: None | str
    stored_attachments: list[InboundDetailStoredAttachmentsItem]
    content_hash: None | str
    fetch_attempts: int
    fetch_error: None | str
    fetched_at: datetime.datetime | None
    raw_size: int | None
    attachments: list[InboundAttachment]

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        received_at = self.received_at.isoformat()

        region: None | str
        if isinstance(self.region, InboundDetailRegionType1):
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
        if isinstance(self.fetch_status, InboundDetailFetchStatusType1):
            fetch_status = self.fetch_status.value
        else:
            fetch_status = self.fetch_status

        to = self.to

        cc = self.cc

        in_reply_to: None | str
        in_reply_to = self.in_reply_to

        references = self.references

        headers = []
        for headers_item_data in self.headers:
            headers_item = headers_item_data

            headers.append(headers_item)

        body_text: None | str
        body_text = self.body_text

        body_html: None | str
        body_html = self.body_html

        stripped_text: None | str
        stripped_text = self.stripped_text

        stripped_html: None | str
        stripped_html = self.stripped_html

        stripped_signature: None | str
        stripped_signature = self.stripped_signature

        spam_flag: bool | None
        spam_flag = self.spam_flag

        spam_score: float | None
        spam_score = self.spam_score

        storage_url: None | str
        storage_url = self.storage_url

        stored_attachments = []
        for stored_attachments_item_data in self.stored_attachments:
            stored_attachments_item = stored_attachments_item_data.to_dict()
            stored_attachments.append(stored_attachments_item)

        content_hash: None | str
        content_hash = self.content_hash

        fetch_attempts = self.fetch_attempts

        fetch_error: None | str
        fetch_error = self.fetch_error

        fetched_at: None | str
        if isinstance(self.fetched_at, datetime.datetime):
            fetched_at = self.fetched_at.isoformat()
        else:
            fetched_at = self.fetched_at

        raw_size: int | None
        raw_size = self.raw_size

        attachments = []
        for attachments_item_data in self.attachments:
            attachments_item = attachments_item_data.to_dict()
            attachments.append(attachments_item)

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
                "to": to,
                "cc": cc,
                "in_reply_to": in_reply_to,
                "references": references,
                "headers": headers,
                "body_text": body_text,
                "body_html": body_html,
                "stripped_text": stripped_text,
                "stripped_html": stripped_html,
                "stripped_signature": stripped_signature,
                "spam_flag": spam_flag,
                "spam_score": spam_score,
                "storage_url": storage_url,
                "stored_attachments": stored_attachments,
                "content_hash": content_hash,
                "fetch_attempts": fetch_attempts,
                "fetch_error": fetch_error,
                "fetched_at": fetched_at,
                "raw_size": raw_size,
                "attachments": attachments,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.inbound_attachment import InboundAttachment  # noqa: PLC0415
        from ..models.inbound_detail_stored_attachments_item import (
            InboundDetailStoredAttachmentsItem,  # noqa: PLC0415
        )

        d = dict(src_dict)
        id = d.pop("id")

        received_at = datetime.datetime.fromisoformat(d.pop("received_at"))

        def _parse_region(data: object) -> InboundDetailRegionType1 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                region_type_1 = InboundDetailRegionType1(data)

                return region_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(InboundDetailRegionType1 | None, data)

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

        def _parse_fetch_status(data: object) -> InboundDetailFetchStatusType1 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                fetch_status_type_1 = InboundDetailFetchStatusType1(data)

                return fetch_status_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(InboundDetailFetchStatusType1 | None, data)

        fetch_status = _parse_fetch_status(d.pop("fetch_status"))

        to = cast(list[str], d.pop("to"))

        cc = cast(list[str], d.pop("cc"))

        def _parse_in_reply_to(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        in_reply_to = _parse_in_reply_to(d.pop("in_reply_to"))

        references = cast(list[str], d.pop("references"))

        headers = []
        _headers = d.pop("headers")
        for headers_item_data in _headers:
            headers_item = cast(list[str], headers_item_data)

            headers.append(headers_item)

        def _parse_body_text(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        body_text = _parse_body_text(d.pop("body_text"))

        def _parse_body_html(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        body_html = _parse_body_html(d.pop("body_html"))

        def _parse_stripped_text(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        stripped_text = _parse_stripped_text(d.pop("stripped_text"))

        def _parse_stripped_html(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        stripped_html = _parse_stripped_html(d.pop("stripped_html"))

        def _parse_stripped_signature(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        stripped_signature = _parse_stripped_signature(d.pop("stripped_signature"))

        def _parse_spam_flag(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        spam_flag = _parse_spam_flag(d.pop("spam_flag"))

        def _parse_spam_score(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        spam_score = _parse_spam_score(d.pop("spam_score"))

        def _parse_storage_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        storage_url = _parse_storage_url(d.pop("storage_url"))

        stored_attachments = []
        _stored_attachments = d.pop("stored_attachments")
        for stored_attachments_item_data in _stored_attachments:
            stored_attachments_item = InboundDetailStoredAttachmentsItem.from_dict(stored_attachments_item_data)

            stored_attachments.append(stored_attachments_item)

        def _parse_content_hash(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        content_hash = _parse_content_hash(d.pop("content_hash"))

        fetch_attempts = d.pop("fetch_attempts")

        def _parse_fetch_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        fetch_error = _parse_fetch_error(d.pop("fetch_error"))

        def _parse_fetched_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                fetched_at_type_0 = datetime.datetime.fromisoformat(data)

                return fetched_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        fetched_at = _parse_fetched_at(d.pop("fetched_at"))

        def _parse_raw_size(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        raw_size = _parse_raw_size(d.pop("raw_size"))

        attachments = []
        _attachments = d.pop("attachments")
        for attachments_item_data in _attachments:
            attachments_item = InboundAttachment.from_dict(attachments_item_data)

            attachments.append(attachments_item)

        inbound_detail = cls(
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
            to=to,
            cc=cc,
            in_reply_to=in_reply_to,
            references=references,
            headers=headers,
            body_text=body_text,
            body_html=body_html,
            stripped_text=stripped_text,
            stripped_html=stripped_html,
            stripped_signature=stripped_signature,
            spam_flag=spam_flag,
            spam_score=spam_score,
            storage_url=storage_url,
            stored_attachments=stored_attachments,
            content_hash=content_hash,
            fetch_attempts=fetch_attempts,
            fetch_error=fetch_error,
            fetched_at=fetched_at,
            raw_size=raw_size,
            attachments=attachments,
        )

        return inbound_detail
