"""A todo's version is a 64-bit column (revision 0004), up and down, on both databases."""

import pytest
import sqlalchemy as sa

from tests.contract.helpers import stored
from tests.factories import ALICE, T0, make_todo
from todo_service.adapters.sql import SqlUnitOfWork, build_engine, migrate_to_head
from todo_service.adapters.sql.migrate import downgrade_to
from todo_service.domain import Todo

PAST_32_BITS = 2**31


def _version_type(engine: sa.Engine) -> str:
    columns = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("todos")}
    return str(columns["version"]).upper()


def _set_version(engine: sa.Engine, todo: Todo, version: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE todos SET version = :version WHERE id = :id"),
            {"version": version, "id": todo.id.hex if engine.dialect.name == "sqlite" else todo.id},
        )


def _toggle(engine: sa.Engine, todo: Todo) -> Todo:
    with SqlUnitOfWork(engine) as uow:
        current = uow.todos.get(ALICE, todo.id, for_update=True)
        assert current is not None
        toggled = current.toggled(T0)
        uow.todos.save(toggled)
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        read_back = uow.todos.get(ALICE, todo.id)
    assert read_back is not None
    return read_back


def test_a_todo_changes_past_two_to_the_31_and_the_column_migrates_down_only_when_it_fits(
    empty_database_url: str,
) -> None:
    migrate_to_head(empty_database_url)
    engine = build_engine(empty_database_url)
    try:
        assert _version_type(engine) == "BIGINT"
        (todo,) = stored(lambda: SqlUnitOfWork(engine), make_todo())
        _set_version(engine, todo, PAST_32_BITS - 1)

        assert _toggle(engine, todo).version == PAST_32_BITS

        with pytest.raises(RuntimeError, match="32-bit column cannot hold it"):
            downgrade_to(empty_database_url, "0003")
        assert _version_type(engine) == "BIGINT"

        _set_version(engine, todo, 7)
        downgrade_to(empty_database_url, "0003")
        assert _version_type(engine) == "INTEGER"

        migrate_to_head(empty_database_url)
        assert _version_type(engine) == "BIGINT"
        assert _toggle(engine, todo).version == 8
    finally:
        engine.dispose()
