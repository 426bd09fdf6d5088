from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.feed_item import FeedItem


T = TypeVar("T", bound="FeedPage")


@_attrs_define
class FeedPage:
    """
    Attributes:
        items (list[FeedItem]):
        next_cursor (str): Always present, even with no items: passed as `after`, the feed continues exactly after this
            page.
    """

    items: list[FeedItem]
    next_cursor: str

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "items": items,
                "next_cursor": next_cursor,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.feed_item import FeedItem  # noqa: PLC0415

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = FeedItem.from_dict(items_item_data)

            items.append(items_item)

        next_cursor = d.pop("next_cursor")

        feed_page = cls(
            items=items,
            next_cursor=next_cursor,
        )

        return feed_page
