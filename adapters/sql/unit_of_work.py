from types import TracebackType
from typing import Self

import sqlalchemy as sa

from todo_service.adapters.sql.errors import storage_errors
from todo_service.adapters.sql.repositories import (
    SqlIdempotencyRepository,
    SqlTodoRepository,
    SqlUserRepository,
)
from todo_service.adapters.sql.session import SqlSession
from todo_service.adapters.sql.writes import PostgresTodoWrites
from todo_service.application.errors import StorageUnavailableError
from todo_service.application.ports import TodoWrites, UnitOfWork
from todo_service.application.stepwise_writes import StepwiseTodoWrites


class SqlUnitOfWork(UnitOfWork):
    """One database transaction on a pooled connection; rolled back unless committed.

    Create one per use case call: it is not reusable and not shared between threads.
    """

    todos: SqlTodoRepository
    users: SqlUserRepository
    idempotency: SqlIdempotencyRepository
    writes: TodoWrites

    def __init__(self, engine: sa.Engine, *, search_timeout_ms: int | None = None) -> None:
        self._engine = engine
        self._search_timeout_ms = search_timeout_ms
        self._connection: sa.Connection | None = None

    def __enter__(self) -> Self:
        # The transaction begins with the first statement (and again after a commit).
        with storage_errors():
            self._connection = self._engine.connect()
        # SQLite's begin hook takes its write lock up front: it keeps eager transactions.
        postgres = self._connection.dialect.name == "postgresql"
        # SQLite has no statement timeout: a listing there reads at most one user's todos.
        self._session = session = SqlSession(
            self._connection,
            lazy_transaction=postgres,
            search_timeout_ms=self._search_timeout_ms if postgres else None,
        )
        self.todos = SqlTodoRepository(session)
        self.users = SqlUserRepository(session)
        self.idempotency = SqlIdempotencyRepository(session)
        # SQLite's one writer at a time does them in steps; PostgreSQL in one statement.
        in_steps = StepwiseTodoWrites(self)
        self.writes = PostgresTodoWrites(session, in_steps) if postgres else in_steps
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        # Closing rolls back whatever was not committed and returns the connection.
        try:
            with storage_errors():
                connection.close()
        except StorageUnavailableError:
            if exc is None:
                raise

    def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("commit outside of the unit of work's `with` block")
        self._session.commit()
