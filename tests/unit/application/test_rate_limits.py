import uuid

import pytest

from tests.factories import ALICE, BOB, SequentialIds, todo_service
from todo_service.adapters.memory import InMemoryStore, InMemoryUnitOfWork, InProcessRateLimiter
from todo_service.application import (
    ListTodosRequest,
    RateLimitExceededError,
    RateLimits,
    RatePolicy,
    TodoService,
)
from todo_service.domain import NewTodo, TodoChanges

READS = RatePolicy("reads", per_minute=1, burst=4)
WRITES = RatePolicy("writes", per_minute=1, burst=2)


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


def limited(store: InMemoryStore, limits: RateLimits) -> TodoService:
    return todo_service(lambda: InMemoryUnitOfWork(store), ids=SequentialIds(), rate_limits=limits)


@pytest.fixture
def sut(store: InMemoryStore) -> TodoService:
    return limited(store, RateLimits(InProcessRateLimiter(), READS, WRITES))


def test_a_write_past_the_allowance_is_refused_and_stores_nothing(
    sut: TodoService, store: InMemoryStore
) -> None:
    sut.create_todo(ALICE, NewTodo(title="one"))
    sut.create_todo(ALICE, NewTodo(title="two"))

    with pytest.raises(RateLimitExceededError) as refused:
        sut.create_todo(ALICE, NewTodo(title="three"))

    assert refused.value.policy == WRITES
    assert 50 <= refused.value.retry_after_seconds <= 60
    assert str(refused.value).startswith("Too many writes: at most 1 a minute, 2 at once;")
    assert [todo.title for todo in store.todos.values()] == ["one", "two"]


def test_changes_toggles_and_deletes_spend_the_writes_and_gets_and_lists_the_reads(
    sut: TodoService,
) -> None:
    todo = sut.create_todo(ALICE, NewTodo(title="one"))
    sut.toggle_todo(ALICE, todo.id)
    for write in (
        lambda: sut.update_todo(ALICE, todo.id, TodoChanges(title="two")),
        lambda: sut.delete_todo(ALICE, todo.id),
    ):
        with pytest.raises(RateLimitExceededError, match=r"^Too many writes"):
            write()

    sut.get_todo(ALICE, todo.id)
    sut.list_todos(ALICE, ListTodosRequest())
    sut.get_todo(ALICE, todo.id)
    sut.list_todos(ALICE, ListTodosRequest())
    with pytest.raises(RateLimitExceededError, match=r"^Too many reads"):
        sut.get_todo(ALICE, todo.id)


def test_each_user_has_an_allowance_of_their_own(sut: TodoService) -> None:
    for title in ("one", "two"):
        sut.create_todo(ALICE, NewTodo(title=title))
    assert sut.create_todo(BOB, NewTodo(title="mine")).owner_id == BOB


def test_a_refusal_is_checked_before_anything_else(sut: TodoService) -> None:
    for title in ("one", "two"):
        sut.create_todo(ALICE, NewTodo(title=title))
    with pytest.raises(RateLimitExceededError):
        sut.toggle_todo(ALICE, uuid.uuid4())  # a missing todo, yet no TodoNotFoundError


def test_limits_switched_off_admit_everything(store: InMemoryStore) -> None:
    sut = limited(store, RateLimits.off())
    for n in range(10):
        sut.create_todo(ALICE, NewTodo(title=f"todo {n}"))
    assert sut.list_todos(ALICE, ListTodosRequest()).total == 10


def test_the_retry_after_is_whole_seconds_and_never_zero() -> None:
    assert RateLimitExceededError(WRITES, 0.001).retry_after_seconds == 1
    assert RateLimitExceededError(WRITES, 2.01).retry_after_seconds == 3
