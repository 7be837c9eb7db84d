from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import Executable

from adapters.sql.errors import storage_errors


class SqlSession:
    """The repositories' one way to run a statement on their unit of work's connection.

    Results are read completely inside the error translation, so a connection lost
    half-way also becomes StorageUnavailableError.
    """

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    @property
    def dialect_name(self) -> str:
        return self._connection.dialect.name

    def rows(self, statement: Executable) -> Sequence[sa.RowMapping]:
        with storage_errors():
            return self._connection.execute(statement).mappings().all()

    def scalar(self, statement: Executable) -> Any:
        with storage_errors():
            return self._connection.execute(statement).scalar_one()

    def run(self, statement: Executable) -> None:
        with storage_errors():
            self._connection.execute(statement)

    def affected(self, statement: Executable) -> int:
        """How many rows a data-changing statement changed."""
        with storage_errors():
            result = self._connection.execute(statement)
            return int(result.rowcount)
