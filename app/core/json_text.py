"""A decoded JSON value back to JSON text for a database column, every number exactly as decoded.

orjson first: it writes an ordinary payload several times faster than the standard library. It refuses two
things the decoders let through (app/core/json_body.py): integers beyond 64 bits and nesting past 254
levels. Those, and only those, are written by the standard library, which writes any Python int digit for
digit and nests as deep as the recursion limit allows (far past json_body.MAX_DEPTH). Postgres keeps a JSONB
number as `numeric`, exactly; SQLite keeps the text.
"""

from __future__ import annotations

import json

import orjson


def dumps(value: object) -> str:
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        # ensure_ascii=False: the same characters orjson would have written, not \\u escapes of them.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
