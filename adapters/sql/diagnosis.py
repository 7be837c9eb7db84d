"""Why a database cannot be used, in one line an operator can act on, without secrets."""

import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import exc

# libpq's and the OS's words for a mistake in the URL itself: waiting will not fix these.
_MISCONFIGURED = re.compile(
    r"does not exist|authentication failed|no pg_hba\.conf entry|permission denied"
    r"|failed to resolve host|could not translate host name|name or service not known"
    r"|nodename nor servname|unable to open database file|invalid (dsn|connection option)"
    r"|invalid sslmode|certificate verify failed",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DatabaseProblem:
    """Why the database cannot be used now.

    `reason` is the driver's own words (libpq never repeats a password; ours is masked
    anyway). `misconfigured`: the URL names a database, role or host that cannot work,
    as opposed to one that is unreachable right now and may come back.
    """

    reason: str
    misconfigured: bool


def masked_url(url: str) -> str:
    """The URL with its password hidden; a SQLite file by its absolute path."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        parsed = parsed.set(database=str(Path(parsed.database).resolve()))
    return parsed.render_as_string(hide_password=True)


def diagnose(error: BaseException, url: str) -> DatabaseProblem:
    """The problem behind `error` (or anything it was raised from) when using `url`."""
    driver_error = _driver_error(error)
    text = str(driver_error) if driver_error is not None else _own_words(error)
    password = sa.make_url(url).password
    if password:
        text = text.replace(str(password), "***")
    return DatabaseProblem(_one_line(text), bool(_MISCONFIGURED.search(text)))


def probe(engine: sa.Engine, url: str) -> DatabaseProblem | None:
    """A cheap `SELECT 1`: None when the database answers, else why not; never raises."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as error:  # a probe answers; it never raises
        return diagnose(error, url)
    return None


def _driver_error(error: BaseException) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, exc.DBAPIError) and current.orig is not None:
            return current.orig
        current = current.__cause__ or current.__context__
    return None


def _own_words(error: BaseException) -> str:
    if isinstance(error, exc.TimeoutError):
        return "no pooled connection became free in time"
    return type(error).__name__


def _one_line(text: str) -> str:
    """The specific part of a libpq message, on one line.

    'connection failed: connection to server at "h", port 5432 failed: FATAL:  database
    "x" does not exist' says the host and port again (the URL names them): the cause is
    what follows the last "failed: ".
    """
    first = next((line for line in text.splitlines() if line.strip()), text)
    cause = first.rsplit("failed: ", 1)[-1] if "failed: " in first else first
    return " ".join(cause.split()) or "unknown error"
