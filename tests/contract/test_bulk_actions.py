"""Bulk actions through the use cases, on every adapter: the matching todos, all or nothing."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.contract.conftest import Backend
from tests.factories import ALICE, BOB, T0, todo_service
from todo_service.application import TodoFilters
from todo_service.application.errors import StaleWriteError
from todo_service.domain import InvalidValueError, NewTodo, Priority, TodoChanges, Usage

COMPLETED = TodoFilters(completed=True)


def test_clear_completed_deletes_the_callers_completed_todos_and_no_one_elses(
    core_backend: Backend,
) -> None:
    sut = todo_service(core_backend.unit_of_work)
    done = [sut.create_todo(ALICE, NewTodo(title=f"done {n}", completed=True)) for n in range(3)]
    kept = sut.create_todo(ALICE, NewTodo(title="open"))
    bobs = sut.create_todo(BOB, NewTodo(title="bob's, done", completed=True))

    assert sut.delete_todos(ALICE, COMPLETED) == len(done)

    with core_backend.unit_of_work() as uow:
        assert [t.id for t in uow.todos.matching(ALICE, TodoFilters())] == [kept.id]
        assert uow.todos.get(BOB, bobs.id) == bobs
        # What the writes keep for the quota is what is left.
        assert uow.users.change_usage(ALICE, 0, 0) == uow.todos.usage(ALICE) == Usage(1, 4)
    assert sut.delete_todos(ALICE, COMPLETED) == 0


def test_a_bulk_delete_without_a_filter_deletes_all_the_callers_todos(
    core_backend: Backend,
) -> None:
    sut = todo_service(core_backend.unit_of_work)
    for n in range(5):
        sut.create_todo(ALICE, NewTodo(title=f"t{n}", priority=Priority.HIGH))
    sut.create_todo(BOB, NewTodo(title="bob's"))

    assert sut.delete_todos(ALICE, TodoFilters(title_contains="T1")) == 1
    assert sut.delete_todos(ALICE, TodoFilters()) == 4
    with core_backend.unit_of_work() as uow:
        assert uow.todos.usage(ALICE) == Usage(0, 0)
        assert uow.todos.usage(BOB).todos == 1


def test_mark_all_as_complete_changes_only_what_it_changes(core_backend: Backend) -> None:
    sut = todo_service(core_backend.unit_of_work)
    already = sut.create_todo(ALICE, NewTodo(title="already", completed=True))
    opened = [sut.create_todo(ALICE, NewTodo(title=f"open {n}")) for n in range(3)]
    bobs = sut.create_todo(BOB, NewTodo(title="bob's"))

    assert sut.update_todos(ALICE, TodoFilters(), TodoChanges(completed=True)) == 3

    assert sut.get_todo(ALICE, already.id) == already  # no new version for no change
    for todo in opened:
        now = sut.get_todo(ALICE, todo.id)
        assert (now.completed, now.completed_at is not None, now.version) == (True, True, 2)
    assert sut.get_todo(BOB, bobs.id) == bobs
    # And its undo, on a selection.
    undone = TodoChanges(completed=False)
    assert sut.update_todos(ALICE, TodoFilters(title_contains="open"), undone) == 3


@pytest.mark.parametrize(
    "changes",
    [TodoChanges(title="same for all"), TodoChanges(description="x"), TodoChanges(order=1)],
)
def test_a_bulk_change_of_a_field_that_is_one_todos_own_is_refused(
    core_backend: Backend, changes: TodoChanges
) -> None:
    sut = todo_service(core_backend.unit_of_work)
    todo = sut.create_todo(ALICE, NewTodo(title="a"))
    with pytest.raises(InvalidValueError, match="cannot be changed in bulk"):
        sut.update_todos(ALICE, TodoFilters(), changes)
    assert sut.get_todo(ALICE, todo.id) == todo


def test_a_bulk_write_that_meets_a_moved_todo_writes_nothing(core_backend: Backend) -> None:
    """All or nothing: a stale todo among many undoes the whole transaction."""
    sut = todo_service(core_backend.unit_of_work)
    todos = [sut.create_todo(ALICE, NewTodo(title=f"t{n}")) for n in range(3)]
    sut.toggle_todo(ALICE, todos[1].id)  # stored at version 2 now

    renamed = [t.changed(TodoChanges(title="new"), t.updated_at) for t in todos]
    # The use cases commit only after the write went through: here it never does.
    with core_backend.unit_of_work() as uow, pytest.raises(StaleWriteError):
        uow.todos.remove_all(todos, T0)
    with core_backend.unit_of_work() as uow, pytest.raises(StaleWriteError):
        uow.todos.save_all(renamed)

    assert [sut.get_todo(ALICE, t.id).title for t in todos] == ["t0", "t1", "t2"]


def test_racing_clear_completed_deletes_each_todo_once(core_backend: Backend) -> None:
    sut = todo_service(core_backend.unit_of_work)
    for n in range(10):
        sut.create_todo(ALICE, NewTodo(title=f"done {n}", completed=True))

    with ThreadPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(lambda _: sut.delete_todos(ALICE, COMPLETED), range(4)))

    assert sorted(counts) == [0, 0, 0, 10]
    with core_backend.unit_of_work() as uow:
        assert uow.users.change_usage(ALICE, 0, 0) == uow.todos.usage(ALICE) == Usage(0, 0)
