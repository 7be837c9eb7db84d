from typing import Protocol

import sqlalchemy as sa

from adapters.memory import InMemoryStore, InMemoryUnitOfWork
from adapters.sql import (
    SqlEngineOptions,
    SqlUnitOfWork,
    build_engine,
    database_is_reachable,
    migrate_to_head,
    normalize_database_url,
)
from application.ports import UnitOfWork
from entrypoints.settings import ConfigurationError


class Storage(Protocol):
    """A database the service runs on: its transactions, its readiness and its schema."""

    def unit_of_work(self) -> UnitOfWork:
        """A fresh unit of work; the UnitOfWorkFactory every use case is given."""
        ...

    def is_reachable(self) -> bool:
        """Whether the database answers now; never raises."""
        ...

    def migrate(self) -> None:
        """Bring the schema up to the latest revision."""
        ...


class MemoryStorage(Storage):
    """Everything in this process: lost on exit, shared by every thread of it."""

    def __init__(self) -> None:
        self._store = InMemoryStore()

    def unit_of_work(self) -> UnitOfWork:
        return InMemoryUnitOfWork(self._store)

    def is_reachable(self) -> bool:
        return True

    def migrate(self) -> None:
        """An in-memory store has no schema to migrate."""


class SqlStorage(Storage):
    """SQLite or PostgreSQL through one pooled engine, shared by every unit of work."""

    def __init__(self, url: str, options: SqlEngineOptions) -> None:
        try:
            self._url = normalize_database_url(url)
        except ValueError as error:
            # normalize_database_url names the scheme at most, never the password.
            raise ConfigurationError(str(error)) from None
        try:
            self._engine: sa.Engine = build_engine(self._url, options)
        except (ValueError, sa.exc.ArgumentError):
            # SQLAlchemy's messages may quote the URL, password included.
            raise ConfigurationError("DATABASE_URL could not be parsed as a database URL") from None

    def unit_of_work(self) -> UnitOfWork:
        return SqlUnitOfWork(self._engine)

    def is_reachable(self) -> bool:
        return database_is_reachable(self._engine)

    def migrate(self) -> None:
        migrate_to_head(self._url)

    def dispose(self) -> None:
        self._engine.dispose()
