"""Errors as JSON, in one shape everywhere: {"error": {"code": ..., "message": ...}}."""

from __future__ import annotations

import orjson
from flask import Response


def error_body(code: str, message: str) -> bytes:
    """The error document, encoded: for Flask's answers and for the intake's, which are made below Flask."""
    return orjson.dumps({"error": {"code": code, "message": message}}) + b"\n"


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(error_body(code, message), status, headers, mimetype="application/json")
