import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

# Only these record attributes are ever written, next to the message: a line cannot
# pick up a token, a body or a query by accident, whatever a caller passes as `extra`.
ACCESS_FIELDS = ("request_id", "method", "route", "status", "duration_ms")

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


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the access fields.

    An exception is reduced to its type and the line that raised it: exception texts
    and tracebacks carry attacker-chosen values, SQL parameters and secrets.
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(
            {name: getattr(record, name) for name in ACCESS_FIELDS if hasattr(record, name)}
        )
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
            line["raised_at"] = _raised_at(record.exc_info[2])
        return json.dumps(line, ensure_ascii=False, default=str)


def _raised_at(traceback: object) -> str | None:
    last = None
    while traceback is not None:
        last = traceback
        traceback = getattr(traceback, "tb_next", None)
    frame = getattr(last, "tb_frame", None)
    if frame is None:
        return None
    return f"{frame.f_code.co_filename}:{getattr(last, 'tb_lineno', 0)}"


def configure_logging(level: str, stream: TextIO | None = None, *, access_log: bool = True) -> None:
    """JSON lines at `level` on stderr (or `stream`) for every logger; chatty ones quieted.

    Without `access_log`, the one-line-per-request `todo.access` log is off.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(_LEVELS.get(level.lower(), level.upper()))
    logging.captureWarnings(True)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    # uvicorn's own loggers keep their handlers unless told otherwise; ours is the root's.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    if not access_log:
        logging.getLogger("todo.access").setLevel(logging.WARNING)
