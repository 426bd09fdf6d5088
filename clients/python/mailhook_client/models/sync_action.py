from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.sync_action_kind import SyncActionKind
from ..models.sync_action_region import SyncActionRegion
from ..models.sync_action_status import SyncActionStatus

if TYPE_CHECKING:
    from ..models.sync_action_payload import SyncActionPayload


T = TypeVar("T", bound="SyncAction")


@_attrs_define
class SyncAction:
    """
    Attributes:
        id (int):
        region (SyncActionRegion):
        kind (SyncActionKind):
        domain (None | str):
        list_address (None | str):
        address (str):
        payload (SyncActionPayload): The Mailgun record fields besides the address.
        status (SyncActionStatus):
        attempts (int):
        next_attempt_at (datetime.datetime): RFC 3339, UTC.
        last_error (None | str):
        event_id (int | None):
        created_at (datetime.datetime): RFC 3339, UTC.
        updated_at (datetime.datetime): RFC 3339, UTC.
    """

    id: int
    region: SyncActionRegion
    kind: SyncActionKind
    domain: None | str
    list_address: None | str
    address: str
    payload: SyncActionPayload
    status: SyncActionStatus
    attempts: int
    next_attempt_at: datetime.datetime
    last_error: None | str
    event_id: int | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        region = self.region.value

        kind = self.kind.value

        domain: None | str
        domain = self.domain

        list_address: None | str
        list_address = self.list_address

        address = self.address

        payload = self.payload.to_dict()

        status = self.status.value

        attempts = self.attempts

        next_attempt_at = self.next_attempt_at.isoformat()

        last_error: None | str
        last_error = self.last_error

        event_id: int | None
        event_id = self.event_id

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "region": region,
                "kind": kind,
                "domain": domain,
                "list_address": list_address,
                "address": address,
                "payload": payload,
                "status": status,
                "attempts": attempts,
                "next_attempt_at": next_attempt_at,
                "last_error": last_error,
                "event_id": event_id,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.sync_action_payload import SyncActionPayload  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        region = SyncActionRegion(d.pop("region"))

        kind = SyncActionKind(d.pop("kind"))

        def _parse_domain(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        domain = _parse_domain(d.pop("domain"))

        def _parse_list_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        list_address = _parse_list_address(d.pop("list_address"))

        address = d.pop("address")

        payload = SyncActionPayload.from_dict(d.pop("payload"))

        status = SyncActionStatus(d.pop("status"))

        attempts = d.pop("attempts")

        next_attempt_at = datetime.datetime.fromisoformat(d.pop("next_attempt_at"))

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        def _parse_event_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        event_id = _parse_event_id(d.pop("event_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        sync_action = cls(
            id=id,
            region=region,
            kind=kind,
            domain=domain,
            list_address=list_address,
            address=address,
            payload=payload,
            status=status,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            last_error=last_error,
            event_id=event_id,
            created_at=created_at,
            updated_at=updated_at,
        )

        return sync_action
