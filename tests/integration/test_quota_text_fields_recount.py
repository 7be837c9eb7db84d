"""Migration 0006's recount of `user_usage` agrees with the domain's count of the text.

0006 restates in SQL which fields the quota counts (title and description: frozen
history). Its recount runs only when a database comes up from before it, when no later
field exists yet, so what matters is that, after coming up from there to head, the usage
kept is the domain's count of the todos as they then are: a later revision that adds a
text field with a value (a non-empty default, a backfill) must move `user_usage` too, or
this fails. The todos fill every field of user text, read from the shapes' annotations.
"""

from uuid import uuid4

from tests.contract.helpers import stored
from tests.contract.quota_text import quota_texts
from tests.factories import ALICE, BOB, T0
from todo_service.adapters.sql import SqlUnitOfWork, build_engine, migrate_to_head
from todo_service.adapters.sql.migrate import downgrade_to
from todo_service.domain import NewTodo, Todo, Usage
from todo_service.domain.quota import text_bytes


def _filled(owner: str, repeat: int) -> Todo:
    new = NewTodo(**quota_texts(NewTodo, repeat=repeat, mark=f"{owner}{repeat}"))
    return Todo.create(uuid4(), ALICE if owner == "alice" else BOB, new, T0)


def test_the_recount_from_before_0006_is_the_domains_count_of_every_text_field(
    empty_database_url: str,
) -> None:
    migrate_to_head(empty_database_url)
    engine = build_engine(empty_database_url)
    try:
        todos = [_filled("alice", 1), _filled("alice", 4), _filled("bob", 2)]
        stored(lambda: SqlUnitOfWork(engine), *todos)
        downgrade_to(empty_database_url, "0005")
        migrate_to_head(empty_database_url)

        with SqlUnitOfWork(engine) as uow:
            for owner in (ALICE, BOB):
                now = [uow.todos.get(owner, todo.id) for todo in todos if todo.owner_id == owner]
                counted = Usage(len(now), sum(text_bytes(todo) for todo in now if todo))
                assert counted.text_bytes > 0
                assert uow.users.change_usage(owner, 0, 0) == counted
    finally:
        engine.dispose()
