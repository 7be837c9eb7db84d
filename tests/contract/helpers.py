from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from tests.factories import ALICE, T0
from todo_service.application.listing import TodoFilters, TodoQuery
from todo_service.application.ports import UnitOfWork
from todo_service.domain import Todo, TodoId, User, UserId

UnitOfWorkFactory = Callable[[], UnitOfWork]


def make_user(user_id: UserId = ALICE, **overrides: Any) -> User:
    fields: dict[str, Any] = {"email": None, "name": None, "created_at": T0, **overrides}
    return User(user_id, **fields)


def stored(unit_of_work: UnitOfWorkFactory, *todos: Todo) -> tuple[Todo, ...]:
    """Commit `todos`, recording their owners first as the service does."""
    with unit_of_work() as uow:
        for owner in dict.fromkeys(todo.owner_id for todo in todos):
            uow.users.add_if_absent(make_user(owner))
        for todo in todos:
            uow.todos.add(todo)
        uow.commit()
    return todos


def read(unit_of_work: UnitOfWorkFactory, owner: UserId, todo_id: TodoId) -> Todo | None:
    with unit_of_work() as uow:
        return uow.todos.get(owner, todo_id)


def found(unit_of_work: UnitOfWorkFactory, owner: UserId, query: TodoQuery) -> list[Todo]:
    with unit_of_work() as uow:
        return list(uow.todos.find(owner, query))


def counted(unit_of_work: UnitOfWorkFactory, owner: UserId, filters: TodoFilters) -> int:
    with unit_of_work() as uow:
        return uow.todos.count(owner, filters)


def ids(todos: Sequence[Todo]) -> list[TodoId]:
    return [todo.id for todo in todos]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)
