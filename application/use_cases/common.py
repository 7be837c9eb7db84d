from collections.abc import Callable, Sequence
from typing import TypeVar

from todo_service.application.errors import ConcurrentUpdateError, StaleWriteError
from todo_service.application.ports import TodoRepository, UnitOfWork
from todo_service.domain import NewTodo, Quota, Todo, TodoId, TodoNotFoundError, UserId
from todo_service.domain.quota import text_bytes

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


def admit_new_todo(uow: UnitOfWork, quota: Quota, owner_id: UserId, new: NewTodo | Todo) -> None:
    """Count a todo `new` asks for in its owner's usage, or refuse it (QuotaExceededError)
    if it takes them past their quota.

    The owner stays locked until the unit of work ends, so that concurrent writers
    for the same owner are checked one after the other and cannot overshoot together;
    a refusal ends the unit of work uncommitted, and the count with it.
    """
    quota.admit_new(uow.users.change_usage(owner_id, 1, text_bytes(new)), new)


def admit_change(uow: UnitOfWork, quota: Quota, before: Todo, after: Todo) -> None:
    """Count a change's text in its owner's usage; refuse one that grows it past the
    quota, as `admit_new_todo`. A change that keeps the text's size costs nothing."""
    resized = text_bytes(after) - text_bytes(before)
    if resized != 0:
        # The quota itself admits any change that does not grow the text.
        quota.admit_change(uow.users.change_usage(before.owner_id, 0, resized), before, after)


def release_todos(uow: UnitOfWork, owner_id: UserId, todos: Sequence[Todo]) -> None:
    """Take the owner's todos about to be removed out of their usage."""
    uow.users.change_usage(owner_id, -len(todos), -sum(map(text_bytes, todos)))
