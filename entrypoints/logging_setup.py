import json
import logging
import logging.config
import sys
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from todo_service.entrypoints.summarized_log import SummarizedLog

# Only these record attributes are ever written, next to the message: a line cannot
# pick up a token, a body or a query by accident, whatever a caller passes as `extra`.
ACCESS_FIELDS = ("request_id", "method", "route", "status", "duration_ms")
# The database watch's: the URL with its password masked, and the driver's reason.
DATABASE_FIELDS = ("database", "reason")
LOGGED_FIELDS = ACCESS_FIELDS + DATABASE_FIELDS

# Loggers that write SQL with its parameters, headers or raw ASGI messages (bodies
# included) at INFO or DEBUG: personal data and tokens. They speak only from WARNING.
QUIET_LOGGERS = (
    "sqlalchemy",
    "alembic",
    "httpx",
    "httpx2",
    "httpcore",
    "urllib3",
    "psycopg",
    "uvicorn.access",
    "uvicorn.asgi",
)

_LEVELS = {"trace": logging.DEBUG}

# uvicorn's warnings that any client can make it write once per request: malformed
# requests, WebSocket upgrades (this service speaks none). Each is summarized instead.
FLOOD_WARNINGS = (
    "Invalid HTTP request received.",
    "Unsupported upgrade request.",
    "No supported WebSocket library detected.",
    "Exceeded concurrency limit.",
)
FLOOD_SUMMARY_SECONDS = 10


class SummarizeFloods(logging.Filter):
    """Turns uvicorn's per-request warnings into one summarized line per kind and interval.

    Measured before: malformed requests, or WebSocket upgrade attempts, wrote about 1 MB
    of log a second with ACCESS_LOG=false. A matching record is dropped and counted; a
    line `<warning> (N times)` goes out at most once per FLOOD_SUMMARY_SECONDS.
    """

    def __init__(self, interval_seconds: float = FLOOD_SUMMARY_SECONDS) -> None:
        super().__init__()
        logger = logging.getLogger("todo.connections")
        self._summaries = {
            warning: SummarizedLog(
                logger, logging.WARNING, f"{warning} (%d times)", interval_seconds
            )
            for warning in FLOOD_WARNINGS
        }

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for warning, summary in self._summaries.items():
            if message.startswith(warning):
                summary.occurred()
                return False
        return True


def _fields(record: logging.LogRecord) -> dict[str, object]:
    """What a line may say of a record: time, level, logger, message and the allowed fields.

    An exception is reduced to its type and the line that raised it: exception texts
    and tracebacks carry attacker-chosen values, SQL parameters and secrets.
    """
    line: dict[str, object] = {
        "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "message": record.getMessage(),
    }
    line.update({name: getattr(record, name) for name in LOGGED_FIELDS if hasattr(record, name)})
    if record.exc_info and record.exc_info[0] is not None:
        line["exception"] = record.exc_info[0].__name__
        line["raised_at"] = _raised_at(record.exc_info[2])
    return line


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line (`_fields`): what production's log shippers read."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record), ensure_ascii=False, default=str)


class ReadableLineFormatter(logging.Formatter):
    """The same fields for a person at a terminal: `09:30:00.123 INFO todo.access: request
    method=GET route=/api/todos status=200 duration_ms=1.5`, in UTC."""

    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        ts, level, logger, message = (fields.pop(k) for k in ("ts", "level", "logger", "message"))
        clock = str(ts)[11:23]
        rest = "".join(
            f" {name}={json.dumps(value, default=str)}" for name, value in fields.items()
        )
        return f"{clock} {str(level).upper():<7} {logger}: {message}{rest}"


LogFormat = Literal["auto", "json", "text"]


def readable(log_format: LogFormat, stream: TextIO | None = None) -> bool:
    """Whether lines are for a person: `text`, or `auto` with stderr a terminal."""
    if log_format == "auto":
        return (stream or sys.stderr).isatty()
    return log_format == "text"


def _raised_at(traceback: object) -> str | None:
    last = None
    while traceback is not None:
        last = traceback
        traceback = getattr(traceback, "tb_next", None)
    frame = getattr(last, "tb_frame", None)
    if frame is None:
        return None
    return f"{frame.f_code.co_filename}:{getattr(last, 'tb_lineno', 0)}"


def logging_config(
    level: str, *, access_log: bool = True, for_people: bool = False
) -> dict[str, Any]:
    """The whole logging set-up as a dictConfig: JSON lines at `level` on stderr (readable
    lines `for_people`, with the same fields).

    Chatty loggers speak only from WARNING; uvicorn's loggers write through the root;
    without `access_log`, the one-line-per-request `todo.access` log is off. uvicorn
    applies it in every worker process (its `log_config`).
    """
    root_level = _LEVELS.get(level.lower(), level.upper())
    quiet = max(logging.WARNING, logging.getLevelName(root_level))
    loggers: dict[str, Any] = {name: {"level": quiet} for name in QUIET_LOGGERS}
    for name in ("uvicorn", "uvicorn.error"):
        loggers[name] = {"handlers": [], "propagate": True}
    loggers["uvicorn.error"]["filters"] = ["floods"]
    if not access_log:
        loggers["todo.access"] = {"level": "WARNING"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"floods": {"()": SummarizeFloods}},
        "formatters": {"line": {"()": ReadableLineFormatter if for_people else JsonLineFormatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": root_level, "handlers": ["stderr"]},
        "loggers": loggers,
    }


def configure_logging(
    level: str,
    stream: TextIO | None = None,
    *,
    access_log: bool = True,
    for_people: bool = False,
) -> None:
    """Apply `logging_config` in this process (to `stream` instead of stderr, for tests)."""
    logging.config.dictConfig(logging_config(level, access_log=access_log, for_people=for_people))
    if stream is not None:
        logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]
    logging.captureWarnings(True)
