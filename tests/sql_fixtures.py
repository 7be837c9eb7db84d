"""Session fixtures for the SQL adapter: migrated SQLite and PostgreSQL, PgBouncer, TLS."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from tests.conftest import (
    POSTGRES_HOST,
    POSTGRES_PORT,
    POSTGRES_USER,
    postgres_sqlalchemy_url,
)
from tests.support.pgbouncer import PgBouncer, pgbouncer_binary, running_pgbouncer
from tests.support.unavailable import unavailable
from todo_service.adapters.sql import SqlEngineOptions, build_engine, migrate_to_head
from todo_service.adapters.sql.tables import metadata

PGBOUNCER_MISSING = "pgbouncer is not installed (apt-get install -y pgbouncer)"
POOLED = SqlEngineOptions(prepare_threshold=None)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; tests copy it rather than migrate again."""
    path = tmp_path_factory.mktemp("sqlite-template") / "todo.db"
    migrate_to_head(sqlite_url(path))
    return path


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[sa.Engine]:
    path = tmp_path / "todo.db"
    shutil.copy(sqlite_template, path)
    engine = build_engine(sqlite_url(path))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_url(postgres_database: str) -> str:
    """The direct URL of this run's database, migrated to head."""
    url = postgres_sqlalchemy_url(postgres_database)
    migrate_to_head(url)
    return url


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[sa.Engine]:
    engine = build_engine(postgres_url, SqlEngineOptions(pool_size=10, max_overflow=10))
    yield engine
    engine.dispose()


def require_pgbouncer() -> str:
    binary = pgbouncer_binary()
    if binary is None:
        unavailable(PGBOUNCER_MISSING, required_by="TODO_REQUIRE_POSTGRES")
    return binary


@pytest.fixture(scope="session")
def pgbouncer(postgres_admin: str) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode in front of the local server, like Neon's pooled endpoint."""
    del postgres_admin  # only its skip-or-fail decision is needed
    with running_pgbouncer(
        require_pgbouncer(), POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER
    ) as bouncer:
        yield bouncer


@pytest.fixture(scope="session")
def pgbouncer_engine(
    pgbouncer: PgBouncer, postgres_url: str, postgres_database: str
) -> Iterator[sa.Engine]:
    del postgres_url  # migrated over the direct URL, as Neon advises
    engine = build_engine(pgbouncer.sqlalchemy_url(POSTGRES_USER, postgres_database), POOLED)
    yield engine
    engine.dispose()


def server_has_ssl(admin_conninfo: str) -> bool:
    with psycopg.connect(admin_conninfo) as connection:
        row = connection.execute("SHOW ssl").fetchone()
    return row is not None and row[0] == "on"


@pytest.fixture(scope="session")
def tls_engine(
    postgres_admin: str, postgres_url: str, postgres_database: str, request: pytest.FixtureRequest
) -> Iterator[sa.Engine]:
    if server_has_ssl(postgres_admin):
        engine = build_engine(f"{postgres_url}?sslmode=require")
    else:
        bouncer: PgBouncer = request.getfixturevalue("pgbouncer")
        url = bouncer.sqlalchemy_url(POSTGRES_USER, postgres_database, sslmode="require")
        engine = build_engine(url, POOLED)
    yield engine
    engine.dispose()


# Every table that holds data, dependents first; SQLite's change clock only ever counts up.
DATA_TABLES = [
    table.name for table in reversed(metadata.sorted_tables) if table.name != "change_clock"
]


def truncate(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {', '.join(DATA_TABLES)}")


def delete_everything(engine: sa.Engine) -> None:
    """`truncate` for SQLite, which has no TRUNCATE."""
    with engine.begin() as connection:
        for table in DATA_TABLES:
            connection.exec_driver_sql(f"DELETE FROM {table}")  # noqa: S608 - our table names


@contextmanager
def todos_locked(postgres_engine: sa.Engine) -> Iterator[None]:
    """The todos table locked by another connection; the server ends that connection
    after a while, so that a listing that is never stopped fails the test, not hangs it."""
    with postgres_engine.connect() as holder:
        holder.exec_driver_sql("BEGIN")
        holder.exec_driver_sql("SET LOCAL idle_in_transaction_session_timeout = '10s'")
        holder.exec_driver_sql("LOCK TABLE todos IN ACCESS EXCLUSIVE MODE")
        yield
        holder.exec_driver_sql("ROLLBACK")
