"""Why a database cannot be used, in one line an operator can act on, without secrets."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

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

# PostgreSQL's read_only_sql_transaction (a read-only database or role, a standby)
# and disk_full; SQLite's SQLITE_READONLY and SQLITE_FULL.
_WRITES_REFUSED = frozenset({"25006", "53100"})
_SQLITE_WRITES_REFUSED = frozenset({8, 13})

DatabaseState = Literal["unreachable", "misconfigured", "read_only"]


@dataclass(frozen=True)
class DatabaseProblem:
    """Why the database cannot be used now.

    `reason` is the driver's own words (libpq never repeats a password; ours is masked
    anyway). `misconfigured`: the URL names a database, role or host that cannot work,
    as opposed to one that is unreachable right now and may come back. `read_only`: it
    answers but refuses to write (a read-only database or standby, a full disk).
    """

    reason: str
    misconfigured: bool
    read_only: bool = False

    @property
    def state(self) -> DatabaseState:
        """The problem in a word: `read_only`, `misconfigured` or `unreachable`."""
        if self.read_only:
            return "read_only"
        return "misconfigured" if self.misconfigured else "unreachable"


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
    if _refuses_writes(driver_error):
        return DatabaseProblem(_one_line(text), misconfigured=False, read_only=True)
    return DatabaseProblem(_one_line(text), bool(_MISCONFIGURED.search(text)))


def _driver_error(error: BaseException) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, exc.DBAPIError) and current.orig is not None:
            return current.orig
        current = current.__cause__ or current.__context__
    return None


def _refuses_writes(driver_error: BaseException | None) -> bool:
    """Whether the database answered, but would not write."""
    sqlstate = getattr(driver_error, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate in _WRITES_REFUSED
    code = getattr(driver_error, "sqlite_errorcode", None)
    # The primary result code is the low byte (SQLITE_READONLY_DBMOVED is READONLY too).
    return isinstance(code, int) and code & 0xFF in _SQLITE_WRITES_REFUSED


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
