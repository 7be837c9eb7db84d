"""A real `todo serve` process per backend, on a database of its own, migrated by `todo migrate`."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import create_database, drop_database, postgres_sqlalchemy_url
from tests.system.figures import FIGURES
from tests.system.service import ServiceProcess, run_todo, running_service, service_environment

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass(frozen=True, slots=True)
class Database:
    url: str
    name: str
    folder: Path

    def environment(self, url: str | None = None, **extra: str) -> dict[str, str]:
        return service_environment(url or self.url, **extra)


def _migrated(url: str, name: str, folder: Path) -> Database:
    database = Database(url, name, folder)
    run_todo("migrate", database.environment(), folder)
    return database


def _database(backend: str, request: pytest.FixtureRequest, folder: Path) -> Iterator[Database]:
    if backend == "sqlite":
        yield _migrated(f"sqlite:///{folder / 'todo.db'}", "todo.db", folder)
        return
    admin: str = request.getfixturevalue("postgres_admin")
    name = create_database(admin, prefix="todo_system")
    try:
        yield _migrated(postgres_sqlalchemy_url(name), name, folder)
    finally:
        drop_database(admin, name)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated database for one test that does things to it or to its service."""
    yield from _database(request.param, request, tmp_path)


@pytest.fixture
def postgres_database_only(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    yield from _database("postgres", request, tmp_path)


@pytest.fixture(scope="session", params=BACKENDS)
def shared_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """One running service per backend for the tests that only send it requests.

    Tests keep apart by acting as users of their own.
    """
    folder = tmp_path_factory.mktemp(f"service-{request.param}")
    for database in _database(request.param, request, folder):
        with running_service(database.environment(), folder) as service:
            yield service


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("system test figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
