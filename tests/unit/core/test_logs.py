"""JSON log lines: one object per record, `extra=` fields kept, the request id of context or record."""

from __future__ import annotations

import json
import logging

import pytest

from app.core.logs import JsonFormatter, RequestIdFilter, request_id_var


def formatted(record: logging.LogRecord) -> dict[str, object]:
    RequestIdFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    return dict(json.loads(line))


def record(msg: str = "stored %s", args: tuple[object, ...] = ("x",), **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("app.test", logging.INFO, __file__, 1, msg, args, None)
    made.__dict__.update(extra)
    return made


def test_extra_fields_are_kept_beside_the_standard_ones() -> None:
    line = formatted(record(inbox_id=42, kind="webhook"))
    assert line["message"] == "stored x"
    assert line["inbox_id"] == 42
    assert line["kind"] == "webhook"
    assert "args" not in line and "msg" not in line and "levelno" not in line


def test_an_extra_field_never_replaces_a_standard_one() -> None:
    line = formatted(record(level="forged", message="forged"))
    assert line["level"] == "info"
    assert line["message"] == "stored x"


def test_the_request_id_comes_from_the_context_unless_the_record_names_its_own() -> None:
    token = request_id_var.set("from-context")
    try:
        assert formatted(record())["request_id"] == "from-context"
        assert formatted(record(request_id="from-record"))["request_id"] == "from-record"
    finally:
        request_id_var.reset(token)


def test_a_multi_line_exception_stays_one_line() -> None:
    try:
        raise ValueError("first\nsecond")
    except ValueError:
        import sys

        made = logging.LogRecord("app.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = formatted(made)
    assert "ValueError: first\nsecond" in str(line["exception"])


def test_the_process_pool_logger_writes_through_the_same_format(capsys: pytest.CaptureFixture[str]) -> None:
    # billiard logs as "multiprocessing" without propagating; bare, its lines would break a JSON stream.
    from billiard import util

    from app.core.logs import configure_logging

    configure_logging("json")
    try:
        util.get_logger().error("Process %r exited with %r", "ForkPoolWorker-1", "signal 15 (SIGTERM)")
    finally:
        logging.getLogger("multiprocessing").handlers.clear()
        logging.getLogger().handlers.clear()
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert [json.loads(line)["message"] for line in lines] == [
        "Process 'ForkPoolWorker-1' exited with 'signal 15 (SIGTERM)'"
    ]
