"""Security rules checked together: API credentials on every documented path, an intake that ignores API
credentials, size and range limits, and SQL built only from bound parameters.

Covered elsewhere and not repeated here: attachment downloads as attachments with nosniff
(tests/integration/api/test_inbound_api.py), the Mailgun key only for the region's hosts
(tests/unit/inbound/test_mail_triage.py, tests/unit/mailgun/test_mailgun_api.py), no secret in /metrics
(tests/integration/web/test_observability.py).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from pathlib import Path

import pytest
from flask import Flask

from app.web.factory import create_app
from tests.conftest import REPO, sign

BEARER = {"Authorization": "Bearer test-api-token"}
REFUSED = [
    {},
    {"Authorization": "Bearer wrong"},
    {"Authorization": "Basic " + base64.b64encode(b"someone:test-api-token").decode()},
]


@pytest.fixture
def web(sqlite_url: str, settings_for) -> Flask:  # type: ignore[no-untyped-def]
    return create_app(settings_for(sqlite_url))


def test_every_documented_path_refuses_without_a_valid_token(web: Flask) -> None:
    client = web.test_client()
    document = client.get("/api/v1/openapi.json", headers=BEARER).get_json()
    for template, item in document["paths"].items():
        path = "/api/v1" + re.sub(r"\{[^}]+\}", "1", template)
        for method in item:
            for headers in REFUSED:
                response = client.open(path, method=method.upper(), headers=headers)
                assert response.status_code == 401, (method, path, headers)


def test_the_intake_ignores_api_credentials(web: Flask) -> None:
    client = web.test_client()
    unsigned = json.dumps({"event-data": {}}).encode()
    answer = client.post("/webhooks/mailgun", data=unsigned, content_type="application/json", headers=BEARER)
    assert answer.status_code == 401
    signed = json.dumps({"signature": sign(token=uuid.uuid4().hex), "event-data": {}}).encode()
    bogus = {"Authorization": "Bearer not-a-token"}
    assert (
        client.post(
            "/webhooks/mailgun", data=signed, content_type="application/json", headers=bogus
        ).status_code
        == 200
    )


def test_limits(web: Flask) -> None:
    client = web.test_client()
    assert client.get("/api/v1/events", query_string={"limit": "501"}, headers=BEARER).status_code == 400
    wide = {"interval": "hour", "since": "2020-01-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"}
    assert client.get("/api/v1/stats", query_string=wide, headers=BEARER).status_code == 400
    big = b"{" + b" " * (1024 * 1024) + b"}"
    assert client.post("/webhooks/mailgun", data=big, content_type="application/json").status_code == 413
    huge = b"x=" + b"a" * (30 * 1024 * 1024)
    form = "application/x-www-form-urlencoded"
    assert client.post("/inbound/mailgun", data=huge, content_type=form).status_code == 413
    # The inbound routes take no JSON at all: refused whatever its size, before the body is read.
    assert client.post("/inbound/mailgun", data=big, content_type="application/json").status_code == 415


# Statements built by formatting, each reviewed: table and column names from our own constants, values always
# bound. Every other such line must carry a `noqa: S608` comment saying why it is safe.
SQL_ALLOWED = {
    # The second line of the staging table's CREATE (its first carries the noqa): column names from the model.
    (
        "workers/events/store.py",
        """f"SELECT {', '.join(Event.__table__.c.keys())} FROM events WITH NO DATA\"""",
    ),
    # Partitions of `events`: a name partition_name makes (digits only), or one read from the catalog and
    # quoted by the dialect before use; the times are bound parameters.
    (
        "app/core/partitions.py",
        'connection.execute(text(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS)"))',
    ),
    ("app/core/partitions.py", 'f"INSERT INTO {name} SELECT * FROM moved"'),
    ("workers/ops/partition_drop.py", 'connection.execute(text(f"DROP TABLE IF EXISTS {name}"))'),
    # The sorting of partitions: the partition's name checked (a fixed prefix and digits), the copy's and
    # the old table's made of it, index names of a suffix of [a-z0-9_]; the index's USING clause is
    # Postgres' own pg_get_indexdef of the partition's index; the bounds are ISO times formatted here.
    ("workers/ops/partition_sort.py", '_exec(connection, f"DROP TABLE IF EXISTS {copy}")'),
    ("workers/ops/partition_sort.py", '_exec(connection, f"DROP TABLE IF EXISTS {table}")'),
    (
        "workers/ops/partition_sort.py",
        '_exec(connection, f"CREATE TABLE {copy} (LIKE {PARENT} INCLUDING DEFAULTS){with_options}")',
    ),
    (
        "workers/ops/partition_sort.py",
        """definition=f"CREATE {unique or ''}INDEX CONCURRENTLY {copy_name} ON {copy} {using}",""",
    ),
    (
        "workers/ops/partition_sort.py",
        '_exec(connection, f"ALTER TABLE {partition} DROP CONSTRAINT {copy}_bounds")',
    ),
}
_FORMATTED_SQL = re.compile(
    r"""(?:f["'][^"']*\b(?:SELECT|INSERT|UPDATE|DELETE|TRUNCATE|CREATE|DROP|WHERE)\b"""
    r"""|(?:text|execute|exec_driver_sql)\(\s*["'][^"']*["']\s*(?:%|\.format))"""
)


def test_no_sql_is_built_by_string_formatting_except_reviewed_places() -> None:
    found = {
        (str(path.relative_to(REPO)), line.strip())
        for folder in ("app", "workers")
        for path in sorted(Path(REPO, folder).rglob("*.py"))
        for line in path.read_text().splitlines()
        if _FORMATTED_SQL.search(line) and "noqa: S608" not in line
    }
    assert found == SQL_ALLOWED
