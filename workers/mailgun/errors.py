"""What a Mailgun call can raise instead of answering: the client's failures, each saying what was not done.

Apart from the client so the modules it relies on (subaccount discovery) can name them without importing it.
"""

from __future__ import annotations


class MailgunError(Exception):
    """A call that did not get an answer the caller can judge."""


class WrongRegion(MailgunError):
    """Data of one region offered to another region's client; nothing was sent."""


class Unavailable(MailgunError):
    """5xx, timeouts or connection errors, still after the retries."""


class LogsUnavailable(MailgunError):
    """The Logs API answered 403 or 404: this account (or region) cannot use it; the Events API may do."""


class RateLimited(MailgunError):
    """Mailgun asked this region to wait until `until` (epoch seconds), longer than the client may sleep."""

    def __init__(self, until: float, message: str) -> None:
        super().__init__(message)
        self.until = until
