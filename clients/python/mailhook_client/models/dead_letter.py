from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.dead_letter_kind import DeadLetterKind
from ..models.dead_letter_status import DeadLetterStatus

T = TypeVar("T", bound="DeadLetter")


@_attrs_define
class DeadLetter:
    """
    Attributes:
        id (int):
        status (DeadLetterStatus):
        kind (DeadLetterKind):
        route (str):
        received_at (datetime.datetime): RFC 3339, UTC.
        error (None | str):
        attempts (int):
        region_hint (None | str):
        domain_hint (None | str):
        content_type (str):
        size (int): The body's size in bytes; never the body.
    """

    id: int
    status: DeadLetterStatus
    kind: DeadLetterKind
    route: str
    received_at: datetime.datetime
    error: None | str
    attempts: int
    region_hint: None | str
    domain_hint: None | str
    content_type: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status = self.status.value

        kind = self.kind.value

        route = self.route

        received_at = self.received_at.isoformat()

        error: None | str
        error = self.error

        attempts = self.attempts

        region_hint: None | str
        region_hint = self.region_hint

        domain_hint: None | str
        domain_hint = self.domain_hint

        content_type = self.content_type

        size = self.size

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "status": status,
                "kind": kind,
                "route": route,
                "received_at": received_at,
                "error": error,
                "attempts": attempts,
                "region_hint": region_hint,
                "domain_hint": domain_hint,
                "content_type": content_type,
                "size": size,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        status = DeadLetterStatus(d.pop("status"))

        kind = DeadLetterKind(d.pop("kind"))

        route = d.pop("route")

        received_at = datetime.datetime.fromisoformat(d.pop("received_at"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        attempts = d.pop("attempts")

        def _parse_region_hint(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        region_hint = _parse_region_hint(d.pop("region_hint"))

        def _parse_domain_hint(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        domain_hint = _parse_domain_hint(d.pop("domain_hint"))

        content_type = d.pop("content_type")

        size = d.pop("size")

        dead_letter = cls(
            id=id,
            status=status,
            kind=kind,
            route=route,
            received_at=received_at,
            error=error,
            attempts=attempts,
            region_hint=region_hint,
            domain_hint=domain_hint,
            content_type=content_type,
            size=size,
        )

        return dead_letter
