from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import Executable

from todo_service.adapters.sql.errors import storage_errors

Params = Mapping[str, Any] | None


class SqlSession:
    """The repositories' one way to run a statement on their unit of work's connection.

    Results are read completely inside the error translation, so a connection lost
    half-way also becomes StorageUnavailableError. `parameters` fill a statement's
    bind parameters: statements built once and executed with values skip
    SQLAlchemy's per-call construction (a third of a create's CPU).

    The method says whether a statement needs the transaction: `read` and `read_scalar`
    do not; `write`, `write_returning`, `write_count` and `read_for_update` do, and the
    first of them begins it. With `lazy_transaction`, reads before it run in autocommit:
    a read-only unit of work then costs no BEGIN and no ROLLBACK round trip. Under
    READ COMMITTED every statement takes its own snapshot anyway, so reads before
    the transaction see nothing a read inside it would not.
    """

    def __init__(self, connection: sa.Connection, *, lazy_transaction: bool = False) -> None:
        self._connection = connection
        self._lazy = lazy_transaction
        self._outside_transaction = lazy_transaction

    @property
    def dialect_name(self) -> str:
        return self._connection.dialect.name

    def read(self, statement: Executable, parameters: Params = None) -> Sequence[sa.RowMapping]:
        """Rows of a statement that neither writes nor locks."""
        with storage_errors():
            return self._connection.execute(statement, parameters).mappings().all()

    def read_scalar(self, statement: Executable, parameters: Params = None) -> Any:
        """The one value of a statement that neither writes nor locks."""
        with storage_errors():
            return self._connection.execute(statement, parameters).scalar_one()

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
