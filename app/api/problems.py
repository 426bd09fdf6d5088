"""The API's refusals as one exception, answered as `{"message", "error": {"code", "message"}}` by the
blueprint.

Pure (no Flask), so the parsing helpers that raise it stay testable without an app.
"""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_parameter(name: str, problem: str) -> ApiError:
    """400 naming the parameter, as Mailgun does for a bad or missing one."""
    return ApiError(400, "bad_parameter", f"parameter {name!r} {problem}")


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")
