"""Schemathesis against /api/v1/openapi.json: every operation, with and without a token."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import Engine

from tests.integration.conftest import BEARER, add_event, add_inbox_row

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
BOUND = settings(
    max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
)


def operations(app: Flask) -> list[Any]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=BEARER)
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 13  # every documented operation, not an empty run
    return found


def test_every_operation_answers_as_documented(app: Flask, engine: Engine) -> None:
    add_event(engine, recipient="bob@example.org", message_id="m1@example.com")
    add_inbox_row(engine)
    answered: list[int] = []
    for operation in operations(app):

        @BOUND
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            answered.append(case.call_and_validate(headers=BEARER, checks=CHECKS).status_code)

        call()
    assert len(answered) > 100 and 200 in answered  # the run really called the API, and some calls succeeded


def test_without_a_token_every_operation_is_401(app: Flask) -> None:
    for operation in operations(app):

        @settings(BOUND, max_examples=5)
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
            assert case.call().status_code == 401

        call()
