from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from tests.factories import ALICE, BOB, FixedClock
from todo_service.application import IdempotencyConflictError, ListTodosRequest, TodoService
from todo_service.domain import InvalidValueError, NewTodo, Todo

KEY = "3f1c9b2e-retry-me"


def _count(service: TodoService) -> int:
    return service.list_todos(ALICE, ListTodosRequest()).total


def test_a_retry_with_the_same_key_and_request_returns_the_original(service: TodoService) -> None:
    first = service.create_todo(ALICE, NewTodo(title="Buy milk"), idempotency_key=KEY)
    again = service.create_todo(ALICE, NewTodo(title=" Buy milk "), idempotency_key=KEY)
    assert again == first
    assert _count(service) == 1


def test_the_same_key_with_another_request_is_refused(service: TodoService) -> None:
    service.create_todo(ALICE, NewTodo(title="Buy milk"), idempotency_key=KEY)
    with pytest.raises(IdempotencyConflictError):
        service.create_todo(ALICE, NewTodo(title="Buy bread"), idempotency_key=KEY)
    assert _count(service) == 1


def test_keys_are_per_user(service: TodoService) -> None:
    mine = service.create_todo(ALICE, NewTodo(title="Buy milk"), idempotency_key=KEY)
    theirs = service.create_todo(BOB, NewTodo(title="Buy milk"), idempotency_key=KEY)
    assert mine.id != theirs.id


def test_a_replay_returns_the_todo_as_it_is_now(service: TodoService) -> None:
    first = service.create_todo(ALICE, NewTodo(title="Buy milk"), idempotency_key=KEY)
    toggled = service.toggle_todo(ALICE, first.id)
    assert service.create_todo(ALICE, NewTodo(title="Buy milk"), idempotency_key=KEY) == toggled


def test_a_key_whose_todo_was_deleted_is_not_reused(service: TodoService) -> None:
    first = service.create_todo(ALICE, NewTodo(title="Buy milk"), idempotency_key=KEY)
    service.delete_todo(ALICE, first.id)
    with pytest.raises(IdempotencyConflictError, match="deleted"):
        service.create_todo(ALICE, NewTodo(title="Buy milk"), idempotency_key=KEY)
    assert _count(service) == 0


def test_an_expired_key_creates_anew_and_can_be_purged(
    service: TodoService, clock: FixedClock
) -> None:
    first = service.create_todo(ALICE, NewTodo(title="Buy milk"), idempotency_key=KEY)
    clock.advance(timedelta(hours=24).total_seconds())
    assert service.purge_expired_idempotency_keys() == 1
    second = service.create_todo(ALICE, NewTodo(title="Buy milk"), idempotency_key=KEY)
    assert second.id != first.id
    assert service.purge_expired_idempotency_keys() == 0


def test_concurrent_requests_with_one_key_create_exactly_one_todo(service: TodoService) -> None:
    def create(_: int) -> Todo:
        return service.create_todo(ALICE, NewTodo(title="once"), idempotency_key=KEY)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(create, range(20)))
    assert len({todo.id for todo in results}) == 1
    assert _count(service) == 1


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "é", "a\nb"])
def test_a_malformed_key_is_refused(service: TodoService, key: str) -> None:
    with pytest.raises(InvalidValueError, match="Idempotency-Key"):
        service.create_todo(ALICE, NewTodo(title="Buy milk"), idempotency_key=key)
    assert _count(service) == 0
