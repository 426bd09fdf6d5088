"""What both stores bind and compare: the ranges parsed parameters are held to before any query sees them.

Row ids are BIGINT on Postgres and SQLite's 64-bit INTEGER. Past that range sqlite3 refuses to bind the value
(OverflowError, a 500) and Postgres refuses to cast it to the key's type (DataError, which read as "storage
unavailable"). Attachment numbers are a Postgres INTEGER, 32 bits. Times go in through UTCDateTime as aware
datetimes, which both stores keep and order correctly over Python's whole range (years 1 to 9999, UTC);
the parsers keep every value inside it, including after converting an offset to UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

MIN_BIGINT = -(2**63)
MAX_BIGINT = 2**63 - 1
MAX_INTEGER = 2**31 - 1
# Digits of MAX_BIGINT: a longer run of digits is out of range without converting it (and int() refuses
# strings past 4300 digits with a ValueError of its own).
MAX_ID_DIGITS = len(str(MAX_BIGINT))
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def is_bigint(value: int) -> bool:
    return MIN_BIGINT <= value <= MAX_BIGINT
