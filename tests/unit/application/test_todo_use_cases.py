import uuid
from datetime import UTC, datetime

import pytest

from tests.factories import ALICE, BOB, FixedClock
from todo_service.application import ListTodosRequest, TodoService
from todo_service.domain import (
    InvalidValueError,
    NewTodo,
    Priority,
    TodoChanges,
    TodoNotFoundError,
    UserDeactivatedError,
    VersionConflictError,
)


def test_a_created_todo_can_be_read_back_by_its_owner(service: TodoService) -> None:
    created = service.create_todo(ALICE, NewTodo(title=" Buy milk ", priority=Priority.HIGH))
    assert service.get_todo(ALICE, created.id) == created
    assert created.title == "Buy milk"


def test_invalid_input_creates_nothing(service: TodoService) -> None:
    with pytest.raises(InvalidValueError):
        service.create_todo(ALICE, NewTodo(title="\x00"))
    assert service.list_todos(ALICE, _all()).total == 0


def test_update_changes_only_the_given_fields(service: TodoService, clock: FixedClock) -> None:
    todo = service.create_todo(ALICE, NewTodo(title="a", description="keep me"))
    later = clock.advance()
    updated = service.update_todo(ALICE, todo.id, TodoChanges(priority=Priority.LOW))
    assert (updated.description, updated.priority, updated.version) == ("keep me", Priority.LOW, 2)
    assert updated.updated_at == later
    assert service.get_todo(ALICE, todo.id) == updated


def test_an_empty_update_changes_nothing(service: TodoService, clock: FixedClock) -> None:
    todo = service.create_todo(ALICE, NewTodo(title="a"))
    clock.advance()
    assert service.update_todo(ALICE, todo.id, TodoChanges()) == todo
    assert service.get_todo(ALICE, todo.id).version == 1


def test_an_update_with_a_stale_version_is_refused_and_changes_nothing(
    service: TodoService,
) -> None:
    todo = service.create_todo(ALICE, NewTodo(title="a"))
    service.toggle_todo(ALICE, todo.id)
    with pytest.raises(VersionConflictError):
        service.update_todo(ALICE, todo.id, TodoChanges(title="b"), expected_version=1)
    assert service.get_todo(ALICE, todo.id).title == "a"
    assert service.update_todo(ALICE, todo.id, TodoChanges(title="b"), expected_version=2).title


def test_a_delete_with_a_stale_version_is_refused(service: TodoService) -> None:
    todo = service.create_todo(ALICE, NewTodo(title="a"))
    service.toggle_todo(ALICE, todo.id)
    with pytest.raises(VersionConflictError):
        service.delete_todo(ALICE, todo.id, expected_version=1)
    service.delete_todo(ALICE, todo.id, expected_version=2)
    with pytest.raises(TodoNotFoundError):
        service.get_todo(ALICE, todo.id)


def test_toggle_flips_completion_and_records_when(service: TodoService, clock: FixedClock) -> None:
    todo = service.create_todo(ALICE, NewTodo(title="a"))
    done_at = clock.advance()
    done = service.toggle_todo(ALICE, todo.id)
    assert (done.completed, done.completed_at, done.version) == (True, done_at, 2)
    reopened = service.toggle_todo(ALICE, todo.id)
    assert (reopened.completed, reopened.completed_at, reopened.version) == (False, None, 3)


def test_another_users_todo_is_invisible_to_every_use_case(service: TodoService) -> None:
    todo = service.create_todo(ALICE, NewTodo(title="mine"))
    missing = uuid.uuid4()
    for todo_id in (todo.id, missing):
        with pytest.raises(TodoNotFoundError) as caught:
            service.get_todo(BOB, todo_id)
        assert str(caught.value) == "Todo not found"
        with pytest.raises(TodoNotFoundError):
            service.update_todo(BOB, todo_id, TodoChanges(title="hacked"))
        with pytest.raises(TodoNotFoundError):
            service.toggle_todo(BOB, todo_id)
        with pytest.raises(TodoNotFoundError):
            service.delete_todo(BOB, todo_id)
    assert service.list_todos(BOB, _all()).total == 0
    assert service.get_todo(ALICE, todo.id) == todo


def test_a_deactivated_user_may_not_create(service: TodoService) -> None:
    service.create_todo(ALICE, NewTodo(title="a"))
    service.set_user_active(ALICE, active=False)
    with pytest.raises(UserDeactivatedError):
        service.create_todo(ALICE, NewTodo(title="b"))
    service.set_user_active(ALICE, active=True)
    assert service.create_todo(ALICE, NewTodo(title="b")).title == "b"


def test_a_naive_due_date_is_refused(service: TodoService) -> None:
    naive = datetime(2026, 12, 1)  # noqa: DTZ001
    with pytest.raises(InvalidValueError, match="due_at"):
        service.create_todo(ALICE, NewTodo(title="a", due_at=naive))
    todo = service.create_todo(ALICE, NewTodo(title="a", due_at=datetime(2026, 12, 1, tzinfo=UTC)))
    with pytest.raises(InvalidValueError, match="due_at"):
        service.update_todo(ALICE, todo.id, TodoChanges(due_at=naive))


def _all() -> ListTodosRequest:
    return ListTodosRequest(limit=100)
