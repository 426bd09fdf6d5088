from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.suppression_kind import SuppressionKind
from ..models.suppression_region import SuppressionRegion
from ..models.suppression_state import SuppressionState

T = TypeVar("T", bound="Suppression")


@_attrs_define
class Suppression:
    """
    Attributes:
        id (int):
        region (SuppressionRegion):
        domain (str):
        address (str):
        kind (SuppressionKind):
        state (SuppressionState):
        source_event_id (int | None):
        synced_at (datetime.datetime | None): RFC 3339, UTC.
        updated_at (datetime.datetime): RFC 3339, UTC.
    """

    id: int
    region: SuppressionRegion
    domain: str
    address: str
    kind: SuppressionKind
    state: SuppressionState
    source_event_id: int | None
    synced_at: datetime.datetime | None
    updated_at: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        region = self.region.value

        domain = self.domain

        address = self.address

        kind = self.kind.value

        state = self.state.value

        source_event_id: int | None
        source_event_id = self.source_event_id

        synced_at: None | str
        if isinstance(self.synced_at, datetime.datetime):
            synced_at = self.synced_at.isoformat()
        else:
            synced_at = self.synced_at

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "region": region,
                "domain": domain,
                "address": address,
                "kind": kind,
                "state": state,
                "source_event_id": source_event_id,
                "synced_at": synced_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        region = SuppressionRegion(d.pop("region"))

        domain = d.pop("domain")

        address = d.pop("address")

        kind = SuppressionKind(d.pop("kind"))

        state = SuppressionState(d.pop("state"))

        def _parse_source_event_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        source_event_id = _parse_source_event_id(d.pop("source_event_id"))

        def _parse_synced_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                synced_at_type_0 = datetime.datetime.fromisoformat(data)

                return synced_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        synced_at = _parse_synced_at(d.pop("synced_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        suppression = cls(
            id=id,
            region=region,
            domain=domain,
            address=address,
            kind=kind,
            state=state,
            source_event_id=source_event_id,
            synced_at=synced_at,
            updated_at=updated_at,
        )

        return suppression
