"""A database that is away is a StorageUnavailableError (503), never a leak of SQL."""

import socket
import time
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa

from tests.factories import ALICE, T0
from todo_service.adapters.sql import (
    SqlEngineOptions,
    SqlUnitOfWork,
    build_engine,
    probe,
)
from todo_service.application import TodoFilters, TodoQuery
from todo_service.application.errors import StorageUnavailableError
from todo_service.domain import User, UserId

pytestmark = pytest.mark.postgres
NOBODY = UserId("nobody, never recorded")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def unreachable() -> sa.Engine:
    url = f"postgresql://postgres:s3cret@127.0.0.1:{_closed_port()}/todo"
    return build_engine(url, SqlEngineOptions(connect_timeout_seconds=2))


def test_an_unreachable_server_is_storage_unavailable_with_a_fixed_message(
    unreachable: sa.Engine,
) -> None:
    with pytest.raises(StorageUnavailableError) as raised, SqlUnitOfWork(unreachable) as uow:
        uow.users.get(ALICE)
    assert str(raised.value) == "The database is temporarily unavailable"


def test_the_readiness_probe_says_why_an_unreachable_server_cannot_be_used(
    unreachable: sa.Engine,
) -> None:
    problem = probe(unreachable, unreachable.url.render_as_string(hide_password=False))
    assert problem is not None
    assert problem.reason == "Connection refused"
    assert problem.misconfigured is False


def test_the_readiness_probe_finds_no_problem_with_a_live_server(
    postgres_engine: sa.Engine,
) -> None:
    assert probe(postgres_engine, str(postgres_engine.url)) is None


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _terminate(admin_conninfo: str, pid: int) -> None:
    with psycopg.connect(admin_conninfo, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def _one_connection_engine(url: str, ping_idle_seconds: float) -> sa.Engine:
    options = SqlEngineOptions(pool_size=1, max_overflow=0, ping_idle_seconds=ping_idle_seconds)
    return build_engine(url, options)


@pytest.fixture
def one_connection_engine(postgres_url: str) -> Iterator[sa.Engine]:
    engine = _one_connection_engine(postgres_url, ping_idle_seconds=0)
    yield engine
    engine.dispose()


@pytest.fixture
def briefly_idle_engine(postgres_url: str) -> Iterator[sa.Engine]:
    engine = _one_connection_engine(postgres_url, ping_idle_seconds=IDLE_SECONDS)
    yield engine
    engine.dispose()


IDLE_SECONDS = 0.2


def test_a_pooled_connection_the_server_dropped_is_replaced_unnoticed(
    postgres_admin: str, one_connection_engine: sa.Engine
) -> None:
    sut = one_connection_engine
    _terminate(postgres_admin, _backend_pid(sut))

    with SqlUnitOfWork(sut) as uow:
        assert uow.users.get(NOBODY) is None


def test_a_connection_dropped_while_idle_past_the_threshold_is_replaced_unnoticed(
    postgres_admin: str, briefly_idle_engine: sa.Engine
) -> None:
    sut = briefly_idle_engine
    dropped = _backend_pid(sut)
    _terminate(postgres_admin, dropped)
    time.sleep(IDLE_SECONDS * 2)

    with SqlUnitOfWork(sut) as uow:
        assert uow.users.get(NOBODY) is None
    assert _backend_pid(sut) != dropped


def test_a_connection_dropped_within_the_threshold_fails_one_unit_of_work_then_is_replaced(
    postgres_admin: str, postgres_url: str
) -> None:
    sut = _one_connection_engine(postgres_url, ping_idle_seconds=3600)
    try:
        _terminate(postgres_admin, _backend_pid(sut))

        with pytest.raises(StorageUnavailableError), SqlUnitOfWork(sut) as uow:
            uow.users.get(NOBODY)
        with SqlUnitOfWork(sut) as uow:
            assert uow.users.get(NOBODY) is None
    finally:
        sut.dispose()


def test_a_connection_lost_inside_a_unit_of_work_is_storage_unavailable(
    postgres_admin: str, one_connection_engine: sa.Engine
) -> None:
    sut = one_connection_engine
    pid = _backend_pid(sut)

    with SqlUnitOfWork(sut) as uow:
        uow.users.get(ALICE)
        _terminate(postgres_admin, pid)
        with pytest.raises(StorageUnavailableError):
            uow.users.get(ALICE)

    with SqlUnitOfWork(sut) as uow:
        assert uow.users.get(NOBODY) is None


def test_a_search_whose_connection_is_lost_is_storage_unavailable_and_the_pool_replaces_it(
    postgres_admin: str, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A search goes out in a pipeline on the driver's own connection, past SQLAlchemy:
    # its lost connection must still be a 503, and be thrown away, not handed out again.
    sut = build_engine(
        postgres_url,
        SqlEngineOptions(pool_size=1, max_overflow=0, ping_idle_seconds=3600),
    )
    search = TodoQuery(filters=TodoFilters(title_contains="milk"))
    try:
        lost = _backend_pid(sut)
        with SqlUnitOfWork(sut, search_timeout_ms=1000) as uow:
            _terminate(postgres_admin, lost)
            with pytest.raises(StorageUnavailableError):
                uow.todos.find_with_total(NOBODY, search)
        with SqlUnitOfWork(sut, search_timeout_ms=1000) as uow:
            assert uow.todos.find_with_total(NOBODY, search) == ([], 0)
        assert _backend_pid(sut) != lost
        # Thrown away as lost, not found broken when the pool tried to reset it.
        assert not [r for r in caplog.records if r.name.startswith("sqlalchemy.pool")]
    finally:
        sut.dispose()


def test_a_connection_lost_before_commit_is_storage_unavailable_and_stores_nothing(
    postgres_admin: str, one_connection_engine: sa.Engine
) -> None:
    sut = one_connection_engine
    pid = _backend_pid(sut)
    newcomer = User(UserId("lost before commit"), email=None, name=None, created_at=T0)

    with SqlUnitOfWork(sut) as uow:
        uow.users.add_if_absent(newcomer)
        _terminate(postgres_admin, pid)
        with pytest.raises(StorageUnavailableError):
            uow.commit()

    with SqlUnitOfWork(sut) as uow:
        assert uow.users.get(newcomer.id) is None


def test_a_unit_of_work_that_goes_on_after_losing_its_connection_stays_unavailable(
    postgres_admin: str, one_connection_engine: sa.Engine
) -> None:
    sut = one_connection_engine
    pid = _backend_pid(sut)

    with SqlUnitOfWork(sut) as uow:
        _terminate(postgres_admin, pid)
        with pytest.raises(StorageUnavailableError):
            uow.users.get(ALICE)
        with pytest.raises(StorageUnavailableError):
            uow.users.get(ALICE)


def test_waiting_too_long_for_a_pooled_connection_is_storage_unavailable(
    postgres_url: str,
) -> None:
    sut = build_engine(
        postgres_url, SqlEngineOptions(pool_size=1, max_overflow=0, pool_timeout_seconds=0.1)
    )
    try:
        with SqlUnitOfWork(sut) as holder:
            holder.users.get(ALICE)
            with pytest.raises(StorageUnavailableError), SqlUnitOfWork(sut):
                pass
    finally:
        sut.dispose()
