"""The intake's Postgres statements, written with PostgreSQL's own `$n` placeholders (see app/intake/inbox.py)
and cached per number of rows, since a group-committed batch carries from 1 to MAX_BATCH deliveries.

Each row's parameters are the values of COLUMNS, in that order; a statement that takes tokens for a database
(app/intake/tokens.py) takes that database's name as one last parameter.
"""

from __future__ import annotations

from functools import lru_cache

from app.intake.group_commit import MAX_BATCH

COLUMNS = (
    "token",
    "kind",
    "route",
    "content_type",
    "body",
    "headers",
    "region_hint",
    "domain_hint",
    "signed_at",
    "request_id",
)
# The first row of a VALUES list outside an INSERT's own says each column's type (else all would be text).
_TYPES = ("text", "text", "text", "text", "bytea", "jsonb", "text", "text", "timestamptz", "text")
_WIDTH = len(COLUMNS)


@lru_cache(maxsize=MAX_BATCH)
def insert_statement(rows: int) -> bytes:
    """The rows into `inbox`, a repeated token skipped; RETURNING the tokens inserted."""
    return (
        f"INSERT INTO inbox ({', '.join(COLUMNS)}) VALUES {_values(rows)} "  # noqa: S608 - placeholders only
        "ON CONFLICT (token) DO NOTHING RETURNING token"
    ).encode()


@lru_cache(maxsize=MAX_BATCH)
def take_and_insert_statement(rows: int) -> bytes:
    """In the database that keeps the token registry: each row's token taken there for this database and
    the row inserted in the same statement, only if its token was free; RETURNING the tokens inserted."""
    store = f"${rows * _WIDTH + 1}::text"
    taken = ", ".join(f"(${row * _WIDTH + 1}, {store})" for row in range(rows))
    columns = ", ".join(COLUMNS)
    return _joined(
        "WITH taken AS (INSERT INTO signature_tokens (token, store) VALUES", taken,
        "ON CONFLICT (token) DO NOTHING RETURNING token)",
        "INSERT INTO inbox (", columns, ")",
        "SELECT * FROM (VALUES", _values(rows, typed=True), ") AS delivery (", columns, ")",
        "WHERE delivery.token IN (SELECT token FROM taken)",
        "ON CONFLICT (token) DO NOTHING RETURNING token",
    )  # fmt: skip


@lru_cache(maxsize=MAX_BATCH)
def take_statement(rows: int) -> bytes:
    """In the database that keeps the registry, for rows written to another one (parameters: the tokens,
    then that database's name): RETURNING the tokens that database may write. Those taken now, unless the
    registry's own database holds a row with the token (kept before the registry was, or forwarded there
    by the drain); and those taken for it before with no row here, whose write failed after the take."""
    tokens = ", ".join(f"(${n + 1}::text)" for n in range(rows))
    store = f"${rows + 1}::text"
    kept_here = "(SELECT 1 FROM inbox WHERE inbox.token = delivery.token)"
    return _joined(
        "WITH delivery (token) AS (VALUES", tokens, "),",
        "taken AS (INSERT INTO signature_tokens (token, store)",
        "SELECT DISTINCT token,", store, "FROM delivery WHERE NOT EXISTS", kept_here,
        "ON CONFLICT (token) DO NOTHING RETURNING token)",
        "SELECT token FROM taken UNION",
        "SELECT delivery.token FROM delivery JOIN signature_tokens USING (token)",
        "WHERE signature_tokens.store =", store, "AND NOT EXISTS", kept_here,
    )  # fmt: skip


def _joined(*parts: str) -> bytes:
    """SQL keywords stay in plain strings; only placeholders and our own column names are formatted."""
    return " ".join(parts).encode()


def _values(rows: int, typed: bool = False) -> str:
    def placeholder(row: int, column: int) -> str:
        cast = f"::{_TYPES[column]}" if typed and row == 0 else ""
        return f"${row * _WIDTH + column + 1}{cast}"

    return ", ".join(
        f"({', '.join(placeholder(row, column) for column in range(_WIDTH))})" for row in range(rows)
    )
