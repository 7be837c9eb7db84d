"""Quotas on every adapter: usage as the domain counts it, and no overshoot under races.

Real threads, each with its own unit of work (and, on SQL, its own connection), through
the use cases as the composition root builds them.
"""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.contract.conftest import Backend
from tests.contract.helpers import stored
from tests.factories import ALICE, BOB, T0, make_todo, todo_service
from todo_service.domain import NewTodo, QuotaExceededError, Todo, TodoChanges, Usage
from todo_service.domain.quota import text_bytes

EMOJI = "\N{GRINNING FACE}"
RACERS = 8
ATTEMPTS = 24


def test_usage_counts_the_owners_todos_and_their_text_in_utf8_bytes(
    core_backend: Backend,
) -> None:
    mine = [
        make_todo(title=EMOJI * 200).changed(TodoChanges(description="é" * 5000), T0),
        make_todo(title="a"),
    ]
    stored(core_backend.unit_of_work, *mine, make_todo(owner_id=BOB, title="theirs"))

    with core_backend.unit_of_work() as uow:
        usage = uow.todos.usage(ALICE)

    assert usage == Usage(todos=2, text_bytes=800 + 10_000 + 1)
    assert usage.text_bytes == sum(map(text_bytes, mine))


def test_a_user_without_todos_uses_nothing(core_backend: Backend) -> None:
    with core_backend.unit_of_work() as uow:
        assert uow.todos.usage(ALICE) == Usage(todos=0, text_bytes=0)


def _race(attempt: object, count: int = ATTEMPTS) -> tuple[list[Todo], int]:
    """Run `attempt(n)` `count` times on RACERS threads: what went through, how many refused."""

    def one(n: int) -> Todo | None:
        try:
            return attempt(n)  # type: ignore[operator, no-any-return]
        except QuotaExceededError:
            return None

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        results = list(pool.map(one, range(count)))
    admitted = [todo for todo in results if todo is not None]
    return admitted, count - len(admitted)


def test_racing_creates_stop_exactly_at_the_quota_of_todos(core_backend: Backend) -> None:
    sut = todo_service(core_backend.unit_of_work, max_todos_per_user=5)
    sut.create_todo(ALICE, NewTodo(title="already there"))

    admitted, refused = _race(lambda n: sut.create_todo(ALICE, NewTodo(title=f"racer {n}")))

    assert (len(admitted), refused) == (4, ATTEMPTS - 4)
    with core_backend.unit_of_work() as uow:
        assert uow.todos.usage(ALICE).todos == 5
    sut.create_todo(BOB, NewTodo(title="another user's quota is their own"))


def test_racing_creates_stop_exactly_at_the_quota_of_text(core_backend: Backend) -> None:
    sut = todo_service(core_backend.unit_of_work, max_text_bytes_per_user=10 * 40 + 39)

    admitted, refused = _race(lambda n: sut.create_todo(ALICE, NewTodo(title=EMOJI * 10)))

    assert (len(admitted), refused) == (10, ATTEMPTS - 10)
    with core_backend.unit_of_work() as uow:
        assert uow.todos.usage(ALICE) == Usage(todos=10, text_bytes=400)


def test_racing_changes_that_grow_the_text_stop_exactly_at_the_quota(
    core_backend: Backend,
) -> None:
    sut = todo_service(core_backend.unit_of_work, max_text_bytes_per_user=100)
    todos = [sut.create_todo(ALICE, NewTodo(title=f"t{n}")) for n in range(10)]  # 20 bytes

    admitted, refused = _race(
        lambda n: sut.update_todo(ALICE, todos[n].id, TodoChanges(description="x" * 10)),
        count=len(todos),
    )

    assert (len(admitted), refused) == (8, 2)
    with core_backend.unit_of_work() as uow:
        assert uow.todos.usage(ALICE).text_bytes == 100


@pytest.mark.parametrize("quota", [{"max_todos_per_user": 1}, {"max_text_bytes_per_user": 5}])
def test_a_refused_create_changes_nothing(core_backend: Backend, quota: dict[str, Any]) -> None:
    sut = todo_service(core_backend.unit_of_work, **quota)
    kept = sut.create_todo(ALICE, NewTodo(title="kept"))

    with pytest.raises(QuotaExceededError):
        sut.create_todo(ALICE, NewTodo(title="refused"), "key-1")

    with core_backend.unit_of_work() as uow:
        assert uow.todos.usage(ALICE) == Usage(todos=1, text_bytes=4)
    sut.delete_todo(ALICE, kept.id)
    # The refused create's key was not kept: with room again, it creates.
    assert sut.create_todo(ALICE, NewTodo(title="ok"), "key-1").title == "ok"


def test_the_usage_the_writes_keep_is_the_usage_of_the_todos(core_backend: Backend) -> None:
    """What creates, changes and deletes record (and a check reads) is what is stored."""
    sut = todo_service(core_backend.unit_of_work)
    todos = [sut.create_todo(ALICE, NewTodo(title=f"todo {n}")) for n in range(6)]
    sut.update_todo(ALICE, todos[0].id, TodoChanges(description=EMOJI * 30))  # grows
    sut.update_todo(ALICE, todos[1].id, TodoChanges(title="x"))  # shrinks
    sut.update_todo(ALICE, todos[2].id, TodoChanges(title="todo 9"))  # same size
    sut.toggle_todo(ALICE, todos[3].id)
    sut.delete_todo(ALICE, todos[4].id)
    sut.delete_todo(ALICE, todos[0].id)
    sut.create_todo(BOB, NewTodo(title="another user's"))

    with core_backend.unit_of_work() as uow:
        stored_now = uow.todos.usage(ALICE)
        recorded = uow.users.change_usage(ALICE, 0, 0)

    assert stored_now == Usage(todos=4, text_bytes=1 + 3 * len("todo n"))
    assert recorded == stored_now
