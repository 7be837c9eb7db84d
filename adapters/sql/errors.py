from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc

from todo_service.application.errors import (
    StaleWriteError,
    StatementTimeoutError,
    StorageTrouble,
    StorageUnavailableError,
)

# PostgreSQL's query_canceled: what a statement past `statement_timeout` is stopped with.
_QUERY_CANCELED = "57014"
# PostgreSQL's read_only_sql_transaction: a write to a read-only database or a standby.
_READ_ONLY_TRANSACTION = "25006"
# PostgreSQL's deadlock_detected and serialization_failure: the transaction lost a race
# with another one and was rolled back whole. A move holds the user, then locks the todo;
# a patch or a delete locks the todo, then the user's usage: two of them can wait on each
# other in a circle, and the database then aborts one. It runs again from the start.
_LOST_A_RACE = frozenset({"40P01", "40001"})


def is_unavailable(error: exc.SQLAlchemyError) -> bool:
    """Whether an error says the database is away, rather than that a statement is wrong."""
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, exc.PendingRollbackError):
        # On a Connection this only follows a lost connection whose transaction is still open.
        return True
    return isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError)


@contextmanager
def storage_errors() -> Iterator[None]:
    """Turn a lost or unreachable database into StorageUnavailableError (no SQL text leaks)."""
    try:
        yield
    except exc.SQLAlchemyError as error:
        code = sqlstate(error) if isinstance(error, exc.DBAPIError) else None
        if code == _QUERY_CANCELED:
            raise StatementTimeoutError from error
        if code in _LOST_A_RACE:
            # Retried like a write that found its todo moved on (retry_stale_writes).
            raise StaleWriteError from error
        if code == _READ_ONLY_TRANSACTION:
            # A 503 that passes once the database takes writes again, not a 500.
            raise StorageUnavailableError("read_only") from error
        if is_unavailable(error):
            trouble: StorageTrouble = "unreachable"
            if isinstance(error, exc.TimeoutError):
                # The pool's own wait (DATABASE_POOL_TIMEOUT_SECONDS) ran out: too few connections.
                trouble = "pool_timeout"
            raise StorageUnavailableError(trouble) from error
        raise


def sqlstate(error: exc.DBAPIError) -> str | None:
    """The SQLSTATE the database answered with, when it gave one."""
    code = getattr(error.orig, "sqlstate", None)
    return code if isinstance(code, str) else None
