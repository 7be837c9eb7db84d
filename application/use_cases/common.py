from collections.abc import Callable
from typing import TypeVar

from todo_service.application.errors import ConcurrentUpdateError, StaleWriteError
from todo_service.application.ports import TodoRepository
from todo_service.domain import Todo, TodoId, TodoNotFoundError, UserId

T = TypeVar("T")

WRITE_ATTEMPTS = 10


def load_owned(
    todos: TodoRepository, actor: UserId, todo_id: TodoId, *, for_update: bool = False
) -> Todo:
    """The actor's todo, or TodoNotFoundError whether it is missing or someone else's."""
    todo = todos.get(actor, todo_id, for_update=for_update)
    if todo is None:
        raise TodoNotFoundError
    todo.require_owner(actor)
    return todo


def retry_stale_writes(attempt: Callable[[], T]) -> T:
    """Run a read-change-write attempt again when another writer got there first.

    Each attempt reads the todo afresh, so a retry re-applies the change to the
    winner's state and no write is lost; an expected version, if any, is checked
    again and then fails as it should.
    """
    for _ in range(WRITE_ATTEMPTS):
        try:
            return attempt()
        except StaleWriteError:
            continue
    raise ConcurrentUpdateError
