"""Revision 0006 fills `user_usage` from the todos already stored, on both databases."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import create_database, drop_database, postgres_sqlalchemy_url
from tests.contract.helpers import stored
from tests.factories import ALICE, BOB, make_todo
from todo_service.adapters.sql import SqlUnitOfWork, build_engine, migrate_to_head
from todo_service.adapters.sql.migrate import downgrade_to
from todo_service.domain import Usage


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'todo.db'}"
        return
    admin: str = request.getfixturevalue("postgres_admin")
    name = create_database(admin, prefix="todo_usage")
    yield postgres_sqlalchemy_url(name)
    drop_database(admin, name)


def test_the_usage_of_todos_stored_before_the_revision_is_counted(database_url: str) -> None:
    migrate_to_head(database_url)
    engine = build_engine(database_url)
    try:
        stored(
            lambda: SqlUnitOfWork(engine),
            make_todo(title="é" * 10),
            make_todo(title="ab", description="🙂"),
            make_todo(owner_id=BOB, title="theirs"),
        )
        downgrade_to(database_url, "0005")
        migrate_to_head(database_url)

        with SqlUnitOfWork(engine) as uow:
            assert uow.users.change_usage(ALICE, 0, 0) == Usage(todos=2, text_bytes=20 + 2 + 4)
            assert uow.users.change_usage(BOB, 0, 0) == uow.todos.usage(BOB)
    finally:
        engine.dispose()
