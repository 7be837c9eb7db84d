"""Real `todo serve` processes, each on a database of its own that `todo migrate` built.

In a parallel run they all go to one worker, one after another (tests/support/xdist_groups.py).
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_HOST, POSTGRES_PORT
from tests.support.figures import FIGURE
from tests.support.live_service import ServiceProcess, running_service
from tests.system.databases import Database, PostgresDatabases, SqliteDatabases
from tests.system.figures import FIGURES
from tests.system.tcp_proxy import TcpProxy, tcp_proxy

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(autouse=True)
def _figures_to_the_summary(request: pytest.FixtureRequest) -> Iterator[None]:
    """The figures this test reported, onto its report for the end of the run."""
    already = len(FIGURES)
    yield
    request.node.user_properties.extend((FIGURE, line) for line in FIGURES[already:])


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabases:
    return SqliteDatabases(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_databases(
    postgres_admin: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(postgres_admin, tmp_path_factory.mktemp("postgres-template"))
    yield databases
    databases.close()


def _fresh(backend: str, request: pytest.FixtureRequest, folder: Path) -> Iterator[Database]:
    databases: SqliteDatabases | PostgresDatabases = request.getfixturevalue(f"{backend}_databases")
    with databases.fresh(folder) as database:
        yield database


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated database for one test that does things to it or to its service."""
    yield from _fresh(request.param, request, tmp_path)


@pytest.fixture
def sqlite_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """For what does not depend on the database: how the server starts, serves, stops."""
    yield from _fresh("sqlite", request, tmp_path)


@pytest.fixture
def postgres_database_only(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    yield from _fresh("postgres", request, tmp_path)


@pytest.fixture(scope="session", params=BACKENDS)
def shared_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """One running service per backend for the tests that only send it requests.

    Tests keep apart by acting as users of their own.
    """
    folder = tmp_path_factory.mktemp(f"service-{request.param}")
    for database in _fresh(request.param, request, folder):
        with running_service(database.environment(), folder) as service:
            yield service


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    """A TCP proxy in front of the PostgreSQL server, forwarding until told otherwise."""
    with tcp_proxy(POSTGRES_HOST, POSTGRES_PORT) as running:
        yield running
