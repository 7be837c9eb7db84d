from typing import Protocol

from adapters.memory import InMemoryStore, InMemoryUnitOfWork
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


def unsupported_storage(scheme: str) -> Storage:
    raise ConfigurationError(
        f"database_url scheme {scheme!r} not supported yet; use DATABASE_URL=memory://"
    )
