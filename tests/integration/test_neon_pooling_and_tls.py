"""Neon's two ways in, for real: the pooled endpoint (PgBouncer, transaction mode) and TLS."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import sqlalchemy as sa

from tests.conftest import POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER
from tests.factories import ALICE
from tests.sql_fixtures import require_pgbouncer, server_has_ssl
from tests.support.pgbouncer import PgBouncer, running_pgbouncer
from todo_service.adapters.sql import SqlEngineOptions, SqlUnitOfWork, build_engine
from todo_service.application.errors import StorageUnavailableError

pytestmark = pytest.mark.postgres
QUERY = "SELECT %s::int + 1"


@pytest.fixture(scope="module")
def one_server_connection_bouncer(postgres_admin: str) -> Iterator[PgBouncer]:
    """A bouncer with a single server connection, so that two clients surely share it."""
    del postgres_admin
    binary = require_pgbouncer()
    with running_pgbouncer(
        binary, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, pool_size=1
    ) as bouncer:
        yield bouncer


def _two_clients_run_the_same_query(bouncer: PgBouncer, prepare_threshold: int | None) -> None:
    conninfo = f"host={bouncer.host} port={bouncer.port} user={POSTGRES_USER} dbname=postgres"
    first = psycopg.connect(conninfo, sslmode="disable", prepare_threshold=prepare_threshold)
    second = psycopg.connect(conninfo, sslmode="disable", prepare_threshold=prepare_threshold)
    try:
        for client in (first, second, first, second):
            client.execute(QUERY, (1,))
            client.commit()
    finally:
        first.close()
        second.close()


def test_server_side_prepared_statements_break_behind_transaction_pooling(
    one_server_connection_bouncer: PgBouncer,
) -> None:
    # Why prepare_threshold must be None on Neon's pooled endpoint.
    with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
        _two_clients_run_the_same_query(one_server_connection_bouncer, prepare_threshold=0)


def test_without_prepared_statements_clients_share_a_pooled_connection_safely(
    one_server_connection_bouncer: PgBouncer,
) -> None:
    _two_clients_run_the_same_query(one_server_connection_bouncer, prepare_threshold=None)


def test_many_threads_repeating_queries_through_pgbouncer_all_succeed(
    pgbouncer_engine: sa.Engine,
) -> None:
    def repeat(_: int) -> None:
        for _ in range(10):  # well past psycopg's default threshold of 5
            with SqlUnitOfWork(pgbouncer_engine) as uow:
                uow.users.get(ALICE)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(repeat, range(16)))


def test_the_tls_connection_is_encrypted(tls_engine: sa.Engine) -> None:
    with tls_engine.connect() as connection:
        driver_connection = connection.connection.dbapi_connection
        assert isinstance(driver_connection, psycopg.Connection)
        assert driver_connection.pgconn.ssl_in_use


def test_sslmode_require_is_honoured_not_ignored(
    postgres_admin: str, postgres_url: str, request: pytest.FixtureRequest
) -> None:
    if server_has_ssl(postgres_admin):
        pytest.skip("the local server has TLS on, so require cannot be refused here")
    sut = build_engine(f"{postgres_url}?sslmode=require", SqlEngineOptions())
    request.addfinalizer(sut.dispose)
    with pytest.raises(StorageUnavailableError), SqlUnitOfWork(sut) as uow:
        uow.users.get(ALICE)
