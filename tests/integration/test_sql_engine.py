import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from todo_service.adapters.sql import (
    SqlEngineOptions,
    build_engine,
    migrate_to_head,
    normalize_database_url,
)


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        (
            "postgres://u:p@host/db?sslmode=require",
            "postgresql+psycopg://u:p@host/db?sslmode=require",
        ),
        ("postgresql://u@host:5432/db", "postgresql+psycopg://u@host:5432/db"),
        ("postgresql+psycopg://u@host/db", "postgresql+psycopg://u@host/db"),
        ("sqlite:///./todo.db", "sqlite:///./todo.db"),
        ("sqlite+pysqlite:////var/lib/todo.db", "sqlite+pysqlite:////var/lib/todo.db"),
    ],
)
def test_database_urls_are_normalized_to_the_psycopg_driver(url: str, normalized: str) -> None:
    assert normalize_database_url(url) == normalized


@pytest.mark.parametrize(
    "url",
    ["mysql://root:s3cret@host/db", "postgresql+psycopg2://u:s3cret@h/db", "s3cret", ""],
)
def test_unsupported_urls_are_refused_in_one_line_without_the_password(url: str) -> None:
    with pytest.raises(ValueError, match="DATABASE_URL") as refused:
        normalize_database_url(url)
    message = str(refused.value)
    assert "\n" not in message
    assert "s3cret" not in message


def test_a_sqlite_database_and_its_directory_are_created_on_first_run(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "todo.db"
    migrate_to_head(f"sqlite:///{path}")
    tables = sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    assert {"users", "todos"} <= {name for (name,) in tables}


def test_sqlite_connections_enforce_foreign_keys_use_wal_and_wait_for_locks(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    sut = build_engine(
        f"sqlite:///{tmp_path / 'todo.db'}", SqlEngineOptions(sqlite_busy_timeout_ms=1234)
    )
    request.addfinalizer(sut.dispose)
    with sut.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA busy_timeout").scalar() == 1234


@pytest.mark.postgres
@pytest.mark.parametrize("prepare_threshold", [None, 0, 5])
def test_postgres_engines_take_pool_and_driver_settings_from_the_options(
    postgres_url: str, prepare_threshold: int | None, request: pytest.FixtureRequest
) -> None:
    options = SqlEngineOptions(
        pool_size=3, max_overflow=2, pool_timeout_seconds=1.5, prepare_threshold=prepare_threshold
    )
    sut = build_engine(postgres_url, options)
    request.addfinalizer(sut.dispose)
    pool = sut.pool
    assert isinstance(pool, sa.QueuePool)
    # Liveness is checked by ping_when_idle, not by a ping on every checkout.
    assert (pool.size(), pool._max_overflow, pool._timeout, pool._pre_ping) == (3, 2, 1.5, False)
    with sut.connect() as connection:
        driver_connection = connection.connection.dbapi_connection
        assert getattr(driver_connection, "prepare_threshold") == prepare_threshold  # noqa: B009
