"""One contract, every adapter: a `backend` for each repository implementation."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from tests.sql_fixtures import delete_everything, truncate
from todo_service.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from todo_service.adapters.sql import SqlEngineOptions, SqlUnitOfWork
from todo_service.application.ports import UnitOfWork

ADAPTERS = ["memory", "sqlite", "postgres"]
# The core of the contract also runs through Neon's two ways in: pooled and TLS.
CORE_ADAPTERS = [*ADAPTERS, "pgbouncer", "postgres_tls"]
_ENGINE_FIXTURES = {
    "sqlite": "sqlite_engine",
    "postgres": "postgres_engine",
    "pgbouncer": "pgbouncer_engine",
    "postgres_tls": "tls_engine",
}


@dataclass
class Backend:
    """A repository implementation under test, and how to empty it between examples."""

    name: str
    unit_of_work: Callable[[], UnitOfWork]
    reset: Callable[[], None]


def _memory_backend() -> Backend:
    stores = [InMemoryStore()]

    def reset() -> None:
        stores[0] = InMemoryStore()

    return Backend("memory", lambda: InMemoryUnitOfWork(stores[0]), reset)


def _sql_backend(name: str, engine: sa.Engine, request: pytest.FixtureRequest) -> Backend:
    if name == "sqlite":

        def reset() -> None:
            delete_everything(engine)

    else:
        direct: sa.Engine = request.getfixturevalue("postgres_engine")

        def reset() -> None:
            truncate(direct)

    # Listings bounded as the service bounds them (PostgreSQL only; SQLite ignores it).
    timeout = SqlEngineOptions().search_timeout_ms
    return Backend(name, lambda: SqlUnitOfWork(engine, search_timeout_ms=timeout), reset)


def _backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    name: str = request.param
    if name == "memory":
        yield _memory_backend()
        return
    backend = _sql_backend(name, request.getfixturevalue(_ENGINE_FIXTURES[name]), request)
    backend.reset()
    yield backend


def _params(names: list[str]) -> list[object]:
    return [
        pytest.param(name, marks=pytest.mark.postgres) if name not in {"memory", "sqlite"} else name
        for name in names
    ]


@pytest.fixture(params=_params(ADAPTERS))
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    yield from _backend(request)


@pytest.fixture(params=_params(CORE_ADAPTERS))
def core_backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    yield from _backend(request)
