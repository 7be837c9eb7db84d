"""Manual order through the use cases, on every adapter: appends, moves, renumbering, races.

Real threads, each with its own unit of work (and, on SQL, its own connection).
"""

import random
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.contract.conftest import Backend
from tests.factories import ALICE, BOB, todo_service
from todo_service.application import ListTodosRequest, TodoService
from todo_service.domain import (
    After,
    Before,
    Edge,
    InvalidValueError,
    NewTodo,
    Todo,
    TodoNotFoundError,
    UserId,
    VersionConflictError,
)
from todo_service.domain.ordering import ORDER_STEP
from todo_service.domain.values import MAX_ORDER

THREADS = 8


def in_order(sut: TodoService, owner: UserId = ALICE) -> list[Todo]:
    """The owner's whole list, read as a client reads it: by order, page after page."""
    todos: list[Todo] = []
    cursor = None
    while True:
        page = sut.list_todos(owner, ListTodosRequest(sort="order:asc", limit=7, cursor=cursor))
        todos.extend(page.items)
        if page.next_cursor is None:
            return todos
        cursor = page.next_cursor


def titles(sut: TodoService, owner: UserId = ALICE) -> list[str]:
    return [todo.title for todo in in_order(sut, owner)]


def created(sut: TodoService, *names: str) -> list[Todo]:
    return [sut.create_todo(ALICE, NewTodo(title=name)) for name in names]


def test_todos_created_without_an_order_go_to_the_end_one_step_apart(
    core_backend: Backend,
) -> None:
    sut = todo_service(core_backend.unit_of_work)
    todos = created(sut, "a", "b", "c")
    assert [todo.order for todo in todos] == [0, ORDER_STEP, 2 * ORDER_STEP]
    assert titles(sut) == ["a", "b", "c"]
    sut.create_todo(BOB, NewTodo(title="bob's first"))  # another user's list is their own
    assert sut.create_todo(ALICE, NewTodo(title="d")).order == 3 * ORDER_STEP


def test_each_move_puts_the_todo_where_it_was_asked(core_backend: Backend) -> None:
    sut = todo_service(core_backend.unit_of_work)
    a, b, c, d = created(sut, "a", "b", "c", "d")

    moved = sut.move_todo(ALICE, d.id, Edge.START)
    assert (titles(sut), moved.version) == (["d", "a", "b", "c"], 2)
    sut.move_todo(ALICE, d.id, Edge.END)
    assert titles(sut) == ["a", "b", "c", "d"]
    sut.move_todo(ALICE, a.id, After(c.id))
    assert titles(sut) == ["b", "c", "a", "d"]
    sut.move_todo(ALICE, d.id, Before(b.id))
    assert titles(sut) == ["d", "b", "c", "a"]
    # Only the moved todo changed each time.
    assert [sut.get_todo(ALICE, todo.id).version for todo in (a, b, c, d)] == [2, 1, 1, 4]


def test_a_move_to_where_the_todo_stands_changes_nothing(core_backend: Backend) -> None:
    sut = todo_service(core_backend.unit_of_work)
    a, b, c = created(sut, "a", "b", "c")
    for placement in (Before(c.id), After(a.id)):
        assert sut.move_todo(ALICE, b.id, placement) == b
    assert sut.move_todo(ALICE, a.id, Edge.START) == a
    assert sut.move_todo(ALICE, c.id, Edge.END) == c


def test_a_crowded_gap_renumbers_the_nearest_todos_each_one_version_up(
    core_backend: Backend,
) -> None:
    sut = todo_service(core_backend.unit_of_work)
    # Orders a client set by hand, one apart: no integer is free between any two.
    todos = [sut.create_todo(ALICE, NewTodo(title=f"t{n}", order=n)) for n in range(6)]
    far = sut.create_todo(ALICE, NewTodo(title="far", order=10 * ORDER_STEP))

    sut.move_todo(ALICE, todos[5].id, After(todos[1].id))

    assert titles(sut) == ["t0", "t1", "t5", "t2", "t3", "t4", "far"]
    after = {todo.id: todo for todo in in_order(sut)}
    renumbered = [t for t in todos[:5] if after[t.id].order != t.order]
    assert renumbered, "there was no room: some neighbours had to move"
    assert all(after[t.id].version == 2 for t in renumbered)
    assert all(after[t.id] == t for t in todos[:5] if t not in renumbered)
    assert after[far.id] == far, "a todo past the crowded run is left alone"
    orders = [todo.order for todo in after.values()]
    assert orders == sorted(set(orders))


def test_a_new_todo_at_the_last_valid_order_makes_room_at_the_end(core_backend: Backend) -> None:
    sut = todo_service(core_backend.unit_of_work)
    last = sut.create_todo(ALICE, NewTodo(title="last", order=MAX_ORDER))
    new = sut.create_todo(ALICE, NewTodo(title="new"))
    assert titles(sut) == ["last", "new"]
    renumbered = sut.get_todo(ALICE, last.id)
    assert renumbered.order < new.order <= MAX_ORDER
    assert renumbered.version == 2


def test_an_anchor_that_is_not_the_callers_todo_is_refused_alike(core_backend: Backend) -> None:
    sut = todo_service(core_backend.unit_of_work)
    (mine,) = created(sut, "mine")
    theirs = sut.create_todo(BOB, NewTodo(title="theirs"))
    missing = uuid.UUID(int=12345)

    refusals = []
    for anchor in (theirs.id, missing, mine.id):
        with pytest.raises(InvalidValueError) as refused:
            sut.move_todo(ALICE, mine.id, Before(anchor))
        refusals.append(str(refused.value))
    assert refusals[0] == refusals[1]
    with pytest.raises(TodoNotFoundError):
        sut.move_todo(ALICE, theirs.id, Edge.START)
    assert sut.get_todo(BOB, theirs.id) == theirs


def test_a_move_based_on_a_stale_version_is_refused(core_backend: Backend) -> None:
    sut = todo_service(core_backend.unit_of_work)
    a, _ = created(sut, "a", "b")
    with pytest.raises(VersionConflictError):
        sut.move_todo(ALICE, a.id, Edge.END, expected_version=7)
    assert sut.move_todo(ALICE, a.id, Edge.END, expected_version=1).version == 2


def test_two_devices_moving_at_once_end_with_one_list_every_move_in_place(
    core_backend: Backend,
) -> None:
    """Pairs of moves that never touch each other's todos: whatever the interleaving, each
    moved todo ends just after its anchor, and every todo is in the list once.

    The orders start one apart, so every move renumbers neighbours that other moves read:
    a move that placed itself from a stale read of the list would land elsewhere.
    """
    sut = todo_service(core_backend.unit_of_work)
    todos = [sut.create_todo(ALICE, NewTodo(title=f"t{n:02}", order=n)) for n in range(24)]
    shuffled = random.Random(20).sample(todos, len(todos))  # noqa: S311 - a fixed shuffle
    anchors, movers = shuffled[:12], shuffled[12:]

    def move(pair: tuple[Todo, Todo]) -> Todo:
        mover, anchor = pair
        return sut.move_todo(ALICE, mover.id, After(anchor.id))

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(move, zip(movers, anchors, strict=True)))

    device_a, device_b = in_order(sut), in_order(sut)
    assert device_a == device_b
    listed = [todo.id for todo in device_a]
    assert sorted(listed) == sorted(todo.id for todo in todos)
    for mover, anchor in zip(movers, anchors, strict=True):
        assert listed.index(mover.id) == listed.index(anchor.id) + 1
