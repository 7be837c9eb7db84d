import io
import json
import logging
import sys

from todo_service.entrypoints.logging_setup import (
    JsonLineFormatter,
    ReadableLineFormatter,
    configure_logging,
    readable,
)

SECRET = "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord("todo.access", logging.INFO, __file__, 1, "request", (), None)
    record.__dict__.update(extra)
    return record


def test_a_line_is_one_json_object_with_the_access_fields() -> None:
    sut = JsonLineFormatter()
    fields = {"request_id": "r1", "method": "GET", "route": "/api/todos", "status": 200}
    line = json.loads(sut.format(_record(**fields, duration_ms=1.5)))
    assert line == {
        "ts": line["ts"],
        "level": "info",
        "logger": "todo.access",
        "message": "request",
        **fields,
        "duration_ms": 1.5,
    }
    assert line["ts"].endswith("+00:00")


def test_fields_outside_the_allow_list_are_never_written() -> None:
    sut = JsonLineFormatter()
    output = sut.format(_record(authorization=SECRET, body={"title": "secret"}, query="q=x"))
    assert "eyJ" not in output
    assert "secret" not in output
    assert "q=x" not in output


def test_an_exception_is_reduced_to_its_type_and_where_it_was_raised() -> None:
    sut = JsonLineFormatter()
    try:
        raise ValueError(f"invalid token {SECRET}")
    except ValueError:
        record = _record()
        record.exc_info = sys.exc_info()
    output = sut.format(record)
    line = json.loads(output)
    assert line["exception"] == "ValueError"
    assert line["raised_at"].startswith(__file__)
    assert "eyJ" not in output
    assert "Traceback" not in output


def test_the_access_log_can_be_turned_off_without_silencing_warnings() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("info", stream, access_log=False)
        logging.getLogger("todo.access").info("request", extra={"status": 200})
        logging.getLogger("todo.access").warning("kept")
        logging.getLogger("todo.other").info("also kept")
    finally:
        logging.getLogger("todo.access").setLevel(logging.NOTSET)
        root.handlers[:], root.level = handlers, level
    messages = [json.loads(line)["message"] for line in stream.getvalue().splitlines()]
    assert messages == ["kept", "also kept"]


def test_a_readable_line_says_the_same_fields_and_withholds_the_same() -> None:
    sut = ReadableLineFormatter()
    fields = {"request_id": "r1", "method": "GET", "route": "/api/todos", "status": 200}
    line = sut.format(_record(**fields, duration_ms=1.5, authorization=SECRET))
    assert " INFO    todo.access: request " in line
    assert 'request_id="r1" method="GET" route="/api/todos" status=200 duration_ms=1.5' in line
    assert "eyJ" not in line


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_is_readable_at_a_terminal_and_json_elsewhere() -> None:
    assert readable("auto", _Terminal())
    assert not readable("auto", io.StringIO())
    assert readable("text", io.StringIO())
    assert not readable("json", _Terminal())
