"""Concurrent writers through the real use cases, on every adapter: none is ever lost.

Real threads, each with its own unit of work (and, on SQL, its own connection).
"""

import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.contract.conftest import Backend
from tests.factories import ALICE, T0, todo_service
from todo_service.application.changes import ChangePosition
from todo_service.application.listing import TodoFilters
from todo_service.application.use_cases import ListTodosRequest
from todo_service.domain import Edge, NewTodo, TodoChanges, TodoNotFoundError, User, UserId

TOGGLES = 40
THREADS = 8
_START = ChangePosition(-1, uuid.UUID(int=0))


def test_forty_concurrent_toggles_of_one_todo_give_exactly_forty_flips(
    core_backend: Backend,
) -> None:
    sut = todo_service(core_backend.unit_of_work)
    todo = sut.create_todo(ALICE, NewTodo(title="flip me"))

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(lambda _: sut.toggle_todo(ALICE, todo.id), range(TOGGLES)))

    final = sut.get_todo(ALICE, todo.id)
    assert final.version == 1 + TOGGLES
    assert final.completed is (TOGGLES % 2 == 1)
    assert sorted(r.version for r in results) == list(range(2, TOGGLES + 2))
    assert [r.completed for r in sorted(results, key=lambda r: r.version)] == [
        n % 2 == 0 for n in range(TOGGLES)
    ]


def test_concurrent_updates_of_different_fields_all_land(core_backend: Backend) -> None:
    sut = todo_service(core_backend.unit_of_work)
    todo = sut.create_todo(ALICE, NewTodo(title="a"))
    changes = [TodoChanges(title="b"), TodoChanges(description="d"), TodoChanges(completed=True)]

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda c: sut.update_todo(ALICE, todo.id, c), changes))

    final = sut.get_todo(ALICE, todo.id)
    assert (final.title, final.description, final.completed, final.version) == ("b", "d", True, 4)


def test_a_user_first_seen_by_many_requests_at_once_is_recorded_once(
    core_backend: Backend,
) -> None:
    newcomer = UserId("newcomer")

    def first_sight(n: int) -> User:
        with core_backend.unit_of_work() as uow:
            user = uow.users.add_if_absent(
                User(newcomer, email=f"{n}@x.test", name=None, created_at=T0)
            )
            uow.commit()
            return user

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        users = list(pool.map(first_sight, range(16)))

    assert len(set(users)) == 1


def test_moves_racing_patches_and_deletes_of_one_users_todos_all_land(
    core_backend: Backend,
) -> None:
    """A move holds the user, then locks the todo; a patch that resizes the text or a
    delete locks the todo, then the user's usage. On PostgreSQL two such writers can
    wait on each other in a circle, and the database aborts one (a deadlock): that one
    is retried, as a write that lost a race is, and nothing fails or is lost."""
    sut = todo_service(core_backend.unit_of_work)
    todos = [sut.create_todo(ALICE, NewTodo(title=f"todo {n}")) for n in range(4)]
    doomed = [sut.create_todo(ALICE, NewTodo(title=f"doomed {n}")) for n in range(8)]
    rounds = 12

    def write(n: int) -> None:
        todo = todos[n % len(todos)]
        if n % 3 == 0:
            sut.move_todo(ALICE, todo.id, Edge.START if n % 2 else Edge.END)
        elif n % 3 == 1:
            sut.update_todo(ALICE, todo.id, TodoChanges(title="x" * (1 + n % 7)))
        elif n // 3 < len(doomed):
            sut.delete_todo(ALICE, doomed[n // 3].id)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(write, range(rounds * len(todos))))

    remaining = sut.list_todos(ALICE, ListTodosRequest(limit=100)).items
    assert {todo.id for todo in remaining} == {todo.id for todo in todos}
    with core_backend.unit_of_work() as uow:
        assert uow.users.change_usage(ALICE, 0, 0) == uow.todos.usage(ALICE)


def test_clearing_completed_todos_racing_toggles_and_moves_loses_nothing(
    core_backend: Backend,
) -> None:
    """A bulk removal deletes what matches when it runs, while toggles and moves of the
    same todos land before or after it: every todo is either removed once (counted) or
    still there, and the usage counter agrees with the todos left."""
    sut = todo_service(core_backend.unit_of_work)
    todos = [
        sut.create_todo(ALICE, NewTodo(title=f"todo {n}", completed=n % 2 == 0)) for n in range(12)
    ]
    done = TodoFilters(completed=True)

    def write(n: int) -> int:
        todo = todos[n % len(todos)]
        try:
            if n % 4 == 0:
                return sut.delete_todos(ALICE, done)
            if n % 4 == 1:
                sut.move_todo(ALICE, todo.id, Edge.START)
            else:
                sut.toggle_todo(ALICE, todo.id)
        except TodoNotFoundError:
            pass  # removed by a clearing that came first
        return 0

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        removed = sum(pool.map(write, range(48)))

    remaining = sut.list_todos(ALICE, ListTodosRequest(limit=100)).items
    assert removed + len(remaining) == len(todos)
    with core_backend.unit_of_work() as uow:
        assert uow.users.change_usage(ALICE, 0, 0) == uow.todos.usage(ALICE)
        changes = uow.todos.changes_after(ALICE, _START, 100)
    gone = {change.position.todo_id for change in changes if change.todo is None}
    assert gone == {todo.id for todo in todos} - {todo.id for todo in remaining}


def test_marking_all_complete_racing_toggles_loses_no_change(core_backend: Backend) -> None:
    """Every change that answered is in the todos' versions: each toggle one, each bulk
    change one per todo it counted; none lost, none counted twice."""
    sut = todo_service(core_backend.unit_of_work)
    todos = [sut.create_todo(ALICE, NewTodo(title=f"todo {n}")) for n in range(6)]

    def write(n: int) -> int:
        if n % 3 == 0:
            return sut.update_todos(ALICE, TodoFilters(), TodoChanges(completed=True))
        sut.toggle_todo(ALICE, todos[n % len(todos)].id)
        return 1

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        changes = sum(pool.map(write, range(36)))

    versions = [sut.get_todo(ALICE, todo.id).version for todo in todos]
    assert sum(version - 1 for version in versions) == changes
