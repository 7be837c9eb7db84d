from collections.abc import Callable
from typing import Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.util import greenlet_spawn

from todo_service.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from todo_service.adapters.sql import (
    DatabaseProblem,
    SqlEngineOptions,
    SqlUnitOfWork,
    build_engine,
    diagnose,
    is_cooperative,
    masked_url,
    migrate_to_head,
    normalize_database_url,
    probe,
)
from todo_service.application.ports import UnitOfWork
from todo_service.entrypoints.settings import ConfigurationError
from todo_service.entrypoints.worker_threads import in_worker_thread

T = TypeVar("T")


class Storage(Protocol):
    """A database the service runs on: its transactions, its readiness and its schema."""

    @property
    def name(self) -> str:
        """The database as an operator would name it, password masked: safe to print."""
        ...

    def unit_of_work(self) -> UnitOfWork:
        """A fresh unit of work; the UnitOfWorkFactory every use case is given."""
        ...

    def problem(self) -> DatabaseProblem | None:
        """None when the database answers now, else why it does not; never raises."""
        ...

    def explain(self, error: BaseException) -> DatabaseProblem:
        """Why `error` (a StorageUnavailableError, say) happened, in the driver's words."""
        ...

    def migrate(self) -> None:
        """Bring the schema up to the latest revision."""
        ...

    async def call(self, function: Callable[[], T]) -> T:
        """`function()`, which may use this storage, from an event loop without blocking it."""
        ...

    async def close(self) -> None:
        """Close its connections, on the event loop that used them (at shutdown).

        It may be used again afterwards, from another loop: it connects afresh.
        """
        ...


class MemoryStorage(Storage):
    """Everything in this process: lost on exit, shared by every thread of it."""

    def __init__(self) -> None:
        self._store = InMemoryStore()

    @property
    def name(self) -> str:
        return "memory://"

    def unit_of_work(self) -> UnitOfWork:
        return InMemoryUnitOfWork(self._store)

    def problem(self) -> DatabaseProblem | None:
        return None

    def explain(self, error: BaseException) -> DatabaseProblem:
        return DatabaseProblem(type(error).__name__, misconfigured=False)

    def migrate(self) -> None:
        """An in-memory store has no schema to migrate."""

    async def call(self, function: Callable[[], T]) -> T:
        # Nothing to wait for: memory answers at once, on the loop itself.
        return function()

    async def close(self) -> None:
        """Memory holds no connections."""


class SqlStorage(Storage):
    """SQLite or PostgreSQL through one pooled engine, shared by every unit of work.

    A `cooperative` storage (PostgreSQL only) is for a process serving on an event
    loop: its units of work wait on the loop (`call` runs them in a greenlet), so a
    request costs no thread and no hand-over of the GIL. Any other storage blocks,
    and `call` runs in a worker thread; a cooperative one must only be used through
    `call`, from its event loop.
    """

    def __init__(self, url: str, options: SqlEngineOptions, *, cooperative: bool = False) -> None:
        try:
            self._url = normalize_database_url(url)
        except ValueError as error:
            # normalize_database_url names the scheme at most, never the password.
            raise ConfigurationError(str(error)) from None
        try:
            self._engine: sa.Engine = build_engine(self._url, options, cooperative=cooperative)
            self._search_timeout_ms = options.search_timeout_ms
        except (ValueError, sa.exc.ArgumentError):
            # SQLAlchemy's messages may quote the URL, password included.
            raise ConfigurationError("DATABASE_URL could not be parsed as a database URL") from None
        except OSError as error:
            # A SQLite file's folder that cannot be made; its path is no secret.
            raise ConfigurationError(
                f"the SQLite database's folder cannot be created: {error.strerror}: "
                f"{error.filename}"
            ) from None

    @property
    def name(self) -> str:
        return masked_url(self._url)

    def unit_of_work(self) -> UnitOfWork:
        return SqlUnitOfWork(self._engine, search_timeout_ms=self._search_timeout_ms)

    def problem(self) -> DatabaseProblem | None:
        return probe(self._engine, self._url)

    def explain(self, error: BaseException) -> DatabaseProblem:
        return diagnose(error, self._url)

    def migrate(self) -> None:
        migrate_to_head(self._url)

    async def call(self, function: Callable[[], T]) -> T:
        if is_cooperative(self._engine):
            return await greenlet_spawn(function)
        return await in_worker_thread(function)

    async def close(self) -> None:
        await self.call(self._engine.dispose)

    def dispose(self) -> None:
        # A cooperative engine's connections can only be closed on their event loop,
        # which may be gone: they are dropped and close when collected.
        self._engine.dispose(close=not is_cooperative(self._engine))

    @property
    def engine(self) -> sa.Engine:
        """The pooled engine, for what watches it from outside (the metrics' pool gauge)."""
        return self._engine
