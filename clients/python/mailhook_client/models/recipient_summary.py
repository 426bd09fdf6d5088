from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.list_membership import ListMembership
    from ..models.recipient_summary_counts import RecipientSummaryCounts
    from ..models.recipient_summary_last import RecipientSummaryLast
    from ..models.suppression import Suppression


T = TypeVar("T", bound="RecipientSummary")


@_attrs_define
class RecipientSummary:
    """
    Attributes:
        address (str):
        total (int):
        counts (RecipientSummaryCounts):
        last (RecipientSummaryLast):
        suppressions (list[Suppression]):
        lists (list[ListMembership]): The mirrored mailing lists of each region having the address.
    """

    address: str
    total: int
    counts: RecipientSummaryCounts
    last: RecipientSummaryLast
    suppressions: list[Suppression]
    lists: list[ListMembership]

    def to_dict(self) -> dict[str, Any]:
        address = self.address

        total = self.total

        counts = self.counts.to_dict()

        last = self.last.to_dict()

        suppressions = []
        for suppressions_item_data in self.suppressions:
            suppressions_item = suppressions_item_data.to_dict()
            suppressions.append(suppressions_item)

        lists = []
        for lists_item_data in self.lists:
            lists_item = lists_item_data.to_dict()
            lists.append(lists_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "address": address,
                "total": total,
                "counts": counts,
                "last": last,
                "suppressions": suppressions,
                "lists": lists,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.list_membership import ListMembership  # noqa: PLC0415
        from ..models.recipient_summary_counts import RecipientSummaryCounts  # noqa: PLC0415
        from ..models.recipient_summary_last import RecipientSummaryLast  # noqa: PLC0415
        from ..models.suppression import Suppression  # noqa: PLC0415

        d = dict(src_dict)
        address = d.pop("address")

        total = d.pop("total")

        counts = RecipientSummaryCounts.from_dict(d.pop("counts"))

        last = RecipientSummaryLast.from_dict(d.pop("last"))

        suppressions = []
        _suppressions = d.pop("suppressions")
        for suppressions_item_data in _suppressions:
            suppressions_item = Suppression.from_dict(suppressions_item_data)

            suppressions.append(suppressions_item)

        lists = []
        _lists = d.pop("lists")
        for lists_item_data in _lists:
            lists_item = ListMembership.from_dict(lists_item_data)

            lists.append(lists_item)

        recipient_summary = cls(
            address=address,
            total=total,
            counts=counts,
            last=last,
            suppressions=suppressions,
            lists=lists,
        )

        return recipient_summary
