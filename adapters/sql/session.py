from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.sql import Executable, Select

from todo_service.adapters.sql.bounded_reads import read_bounded
from todo_service.adapters.sql.errors import storage_errors

# One row's values, or a list of them (an executemany).
Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


class Columns(Protocol):
    """A row's values by column name: SQLAlchemy's RowMapping, or a bounded read's dict."""

    def __getitem__(self, name: str, /) -> Any: ...


class SqlSession:
    """The repositories' one way to run a statement on their unit of work's connection.

    Results are read completely inside the error translation, so a connection lost
    half-way also becomes StorageUnavailableError. `parameters` fill a statement's
    bind parameters: statements built once and executed with values skip
    SQLAlchemy's per-call construction (a third of a create's CPU).

    The method says whether a statement needs the transaction: `read` and `read_search`
    do not (a search runs in an implicit transaction of its own); `write`,
    `write_returning`, `write_count` and `read_for_update` do, and the first of them
    begins it. With `lazy_transaction`, reads before it run in autocommit: a read-only
    unit of work then costs no BEGIN and no ROLLBACK round trip. Under READ COMMITTED
    every statement takes its own snapshot anyway, so reads before the transaction see
    nothing a read inside it would not.
    """

    def __init__(
        self,
        connection: sa.Connection,
        *,
        lazy_transaction: bool = False,
        search_timeout_ms: int | None = None,
    ) -> None:
        self._connection = connection
        self._lazy = lazy_transaction
        self._outside_transaction = lazy_transaction
        self._search_timeout_ms = search_timeout_ms

    @property
    def dialect_name(self) -> str:
        return self._connection.dialect.name

    def read(self, statement: Executable, parameters: Params = None) -> Sequence[sa.RowMapping]:
        """Rows of a statement that neither writes nor locks."""
        with storage_errors():
            return self._connection.execute(statement, parameters).mappings().all()

    def read_search(self, statement: Executable, parameters: Params = None) -> Sequence[Columns]:
        """Rows of a search, stopped (StatementTimeoutError) past `search_timeout_ms`.

        On PostgreSQL, outside a transaction, the bound and the listing go out together,
        one round trip (`bounded_reads`). Inside a transaction, or without a timeout
        (SQLite), it is `read`.
        """
        timeout = self._search_timeout_ms
        if timeout is None or not self._outside_transaction:
            return self.read(statement, parameters)
        if not isinstance(statement, Select) or not isinstance(parameters, Mapping):
            raise TypeError("a bounded read is one SELECT with one set of parameters")
        with storage_errors():
            return read_bounded(self._connection, statement, parameters, timeout)

    def read_for_update(
        self, statement: Executable, parameters: Params = None
    ) -> Sequence[sa.RowMapping]:
        """Rows of a statement that locks them, in the transaction."""
        self._begin()
        return self.read(statement, parameters)

    def write(self, statement: Executable, parameters: Params = None) -> None:
        """Run a statement that writes, in the transaction."""
        self._begin()
        with storage_errors():
            self._connection.execute(statement, parameters)

    def write_returning(
        self, statement: Executable, parameters: Params = None
    ) -> Sequence[sa.RowMapping]:
        """The rows a writing statement returns (RETURNING), in the transaction."""
        self._begin()
        return self.read(statement, parameters)

    def write_count(self, statement: Executable, parameters: Params = None) -> int:
        """How many rows a writing statement changed, in the transaction."""
        self._begin()
        with storage_errors():
            result = self._connection.execute(statement, parameters)
            return int(result.rowcount)

    def write_alone(
        self, statement: Executable, parameters: Params = None
    ) -> Sequence[sa.RowMapping]:
        """The rows of a writing statement that is a whole transaction by itself: in
        autocommit it commits as it ends, or fails and leaves nothing, in one round trip.
        Only outside a transaction (`lazy_transaction`: PostgreSQL)."""
        if not self._outside_transaction:
            raise RuntimeError("a statement runs alone only outside a transaction")
        return self.read(statement, parameters)

    def commit(self) -> None:
        """Commit what was written; the next write or lock begins a new transaction."""
        with storage_errors():
            self._connection.commit()
        self._outside_transaction = self._lazy

    def _begin(self) -> None:
        if self._outside_transaction:
            self._outside_transaction = False
            # The connection is in autocommit (see build_engine): this opens the
            # transaction that commit() ends, or that returning the connection to
            # the pool rolls back.
            with storage_errors():
                self._connection.exec_driver_sql("BEGIN")
