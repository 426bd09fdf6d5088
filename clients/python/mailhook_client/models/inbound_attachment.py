from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="InboundAttachment")


@_attrs_define
class InboundAttachment:
    """
    Attributes:
        n (int):
        filename (None | str):
        content_type (str):
        size (int):
        inline (bool):
        content_id (None | str):
        sha256 (str):
        content_kept (bool): False when the attachment was over MAILHOOK_ATTACHMENT_MAX_BYTES: only its metadata and
            sha256 were kept.
    """

    n: int
    filename: None | str
    content_type: str
    size: int
    inline: bool
    content_id: None | str
    sha256: str
    content_kept: bool

    def to_dict(self) -> dict[str, Any]:
        n = self.n

        filename: None | str
        filename = self.filename

        content_type = self.content_type

        size = self.size

        inline = self.inline

        content_id: None | str
        content_id = self.content_id

        sha256 = self.sha256

        content_kept = self.content_kept

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "n": n,
                "filename": filename,
                "content_type": content_type,
                "size": size,
                "inline": inline,
                "content_id": content_id,
                "sha256": sha256,
                "content_kept": content_kept,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        n = d.pop("n")

        def _parse_filename(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        filename = _parse_filename(d.pop("filename"))

        content_type = d.pop("content_type")

        size = d.pop("size")

        inline = d.pop("inline")

        def _parse_content_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        content_id = _parse_content_id(d.pop("content_id"))

        sha256 = d.pop("sha256")

        content_kept = d.pop("content_kept")

        inbound_attachment = cls(
            n=n,
            filename=filename,
            content_type=content_type,
            size=size,
            inline=inline,
            content_id=content_id,
            sha256=sha256,
            content_kept=content_kept,
        )

        return inbound_attachment
