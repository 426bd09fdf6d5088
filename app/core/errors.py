"""Errors as JSON, in one shape everywhere: {"message": ..., "error": {"code": ..., "message": ...}}.

The top-level `message` is the shape Mailgun's own API answers errors with, so a client written for Mailgun
reads ours too; `error.code` is the stable, machine-readable part.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response


def error_document(code: str, message: str) -> dict[str, Any]:
    return {"message": message, "error": {"code": code, "message": message}}


def error_body(code: str, message: str) -> bytes:
    """The error document, encoded: for Flask's answers and for the intake's, which are made below Flask."""
    return orjson.dumps(error_document(code, message)) + b"\n"


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(error_body(code, message), status, headers, mimetype="application/json")
