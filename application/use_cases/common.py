from collections.abc import Callable
from typing import TypeVar

from todo_service.application.errors import ConcurrentUpdateError, StaleWriteError
from todo_service.application.ports import TodoRepository, UnitOfWork
from todo_service.domain import Quota, Todo, TodoId, TodoNotFoundError, UserId
from todo_service.domain.quota import grows_text

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


def admit_new_todo(uow: UnitOfWork, quota: Quota, todo: Todo) -> None:
    """Refuse `todo` (QuotaExceededError) if it takes its owner past their quota.

    The owner stays locked until the unit of work ends, so that concurrent writers
    for the same owner are checked one after the other and cannot overshoot together.
    """
    uow.users.lock(todo.owner_id)
    quota.admit_new(uow.todos.usage(todo.owner_id), todo)


def admit_change(uow: UnitOfWork, quota: Quota, before: Todo, after: Todo) -> None:
    """Refuse a change that grows its owner's text past the quota; as `admit_new_todo`.

    A change that does not grow the text costs nothing: no lock and no read.
    """
    if grows_text(before, after):
        uow.users.lock(before.owner_id)
        quota.admit_change(uow.todos.usage(before.owner_id), before, after)
