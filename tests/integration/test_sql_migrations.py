from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from todo_service.adapters.sql import (
    build_engine,
    downgrade_to_base,
    migrate_to_head,
    schema_is_current,
)
from todo_service.adapters.sql.tables import exists_on, metadata


def _tables(url: str) -> set[str]:
    engine = build_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _differences(url: str) -> list[object]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            options = {"compare_type": True, "include_object": exists_on(engine.dialect.name)}
            context = MigrationContext.configure(connection, opts=options)
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_migration_that_fails_half_way_leaves_the_schema_as_it_was(
    empty_postgres_url: str,
) -> None:
    engine = build_engine(empty_postgres_url)
    try:
        with engine.connect() as connection:
            # Revision 0001 goes through, then 0002 finds its table taken.
            connection.exec_driver_sql("CREATE TABLE idempotency_keys (taken integer)")
            connection.commit()
    finally:
        engine.dispose()
    with pytest.raises(sa.exc.ProgrammingError):
        migrate_to_head(empty_postgres_url)
    assert _tables(empty_postgres_url) == {"idempotency_keys"}


@pytest.mark.postgres
def test_an_empty_database_migrates_to_head_and_back_to_base(empty_postgres_url: str) -> None:
    assert not schema_is_current(empty_postgres_url)

    migrate_to_head(empty_postgres_url)
    assert _tables(empty_postgres_url) == {
        "alembic_version",
        "users",
        "todos",
        "idempotency_keys",
        "user_usage",
        "todo_tombstones",
        "readiness_probe",
    }
    assert schema_is_current(empty_postgres_url)

    downgrade_to_base(empty_postgres_url)
    assert _tables(empty_postgres_url) == {"alembic_version"}
    assert not schema_is_current(empty_postgres_url)

    migrate_to_head(empty_postgres_url)
    assert schema_is_current(empty_postgres_url)


@pytest.mark.postgres
def test_the_migrations_build_exactly_the_schema_the_models_describe(
    empty_postgres_url: str,
) -> None:
    migrate_to_head(empty_postgres_url)
    assert _differences(empty_postgres_url) == []


@pytest.mark.postgres
def test_migrating_twice_changes_nothing(empty_postgres_url: str) -> None:
    migrate_to_head(empty_postgres_url)
    migrate_to_head(empty_postgres_url)
    assert schema_is_current(empty_postgres_url)


def test_the_models_and_the_migrations_agree_on_sqlite_too(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'todo.db'}"
    migrate_to_head(url)
    assert _differences(url) == []
    downgrade_to_base(url)
    assert _tables(url) == {"alembic_version"}
