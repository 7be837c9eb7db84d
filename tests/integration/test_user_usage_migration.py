"""Revision 0006 fills `user_usage` from the todos already stored, on both databases."""

from tests.contract.helpers import stored
from tests.factories import ALICE, BOB, make_todo
from todo_service.adapters.sql import SqlUnitOfWork, build_engine, migrate_to_head
from todo_service.adapters.sql.migrate import downgrade_to
from todo_service.domain import Usage


def test_the_usage_of_todos_stored_before_the_revision_is_counted(empty_database_url: str) -> None:
    migrate_to_head(empty_database_url)
    engine = build_engine(empty_database_url)
    try:
        stored(
            lambda: SqlUnitOfWork(engine),
            make_todo(title="é" * 10),
            make_todo(title="ab", description="🙂"),
            make_todo(owner_id=BOB, title="theirs"),
        )
        downgrade_to(empty_database_url, "0005")
        migrate_to_head(empty_database_url)

        with SqlUnitOfWork(engine) as uow:
            assert uow.users.change_usage(ALICE, 0, 0) == Usage(todos=2, text_bytes=20 + 2 + 4)
            assert uow.users.change_usage(BOB, 0, 0) == uow.todos.usage(BOB)
    finally:
        engine.dispose()
