"""The bounds the MIME parser reads a message within. Pure.

The configured values live in Settings (`MimeSettings`, MAILHOOK_MIME_*); the parser takes anything with
these attributes, so that it needs no import from the application core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class MimeLimits(Protocol):
    @property
    def max_header_bytes(self) -> int: ...
    @property
    def max_headers(self) -> int: ...
    @property
    def max_params(self) -> int: ...
    @property
    def max_encoded_words(self) -> int: ...
    @property
    def max_parts(self) -> int: ...
    @property
    def max_depth(self) -> int: ...


@dataclass(frozen=True, slots=True)
class DefaultLimits:
    """The defaults, the same as Settings' (a test holds them equal)."""

    max_header_bytes: int = 64 * 1024
    max_headers: int = 1000
    max_params: int = 100
    max_encoded_words: int = 256
    max_parts: int = 2000
    max_depth: int = 50


DEFAULT_LIMITS: MimeLimits = DefaultLimits()
