"""The heart of the repository contract, run on every adapter and through PgBouncer and TLS."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.contract.conftest import Backend
from tests.contract.helpers import at, counted, found, ids, make_user, read, stored
from tests.factories import ALICE, BOB, T0, make_todo
from todo_service.application.errors import StaleWriteError
from todo_service.application.listing import TodoFilters, TodoQuery
from todo_service.domain import Priority, TodoChanges


def test_a_committed_todo_reads_back_exactly_as_it_was_added(core_backend: Backend) -> None:
    due = datetime(2027, 1, 2, 3, 4, 5, 678901, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    todo = make_todo(title="Ünïcode & 100%_done\\", priority=Priority.HIGH)
    todo = todo.changed(TodoChanges(description="d" * 5000, due_at=due, completed=True), at(1))
    stored(core_backend.unit_of_work, todo)

    read_back = read(core_backend.unit_of_work, ALICE, todo.id)

    assert read_back == todo
    assert read_back is not None
    assert read_back.due_at is not None
    assert read_back.due_at.tzinfo == UTC


def test_work_that_is_not_committed_is_rolled_back(core_backend: Backend) -> None:
    todo = make_todo()
    with core_backend.unit_of_work() as uow:
        uow.users.add_if_absent(make_user(ALICE))
        uow.todos.add(todo)
    assert read(core_backend.unit_of_work, ALICE, todo.id) is None


def test_another_users_todo_cannot_be_read_found_or_counted(core_backend: Backend) -> None:
    (todo,) = stored(core_backend.unit_of_work, make_todo(owner_id=ALICE))
    assert read(core_backend.unit_of_work, BOB, todo.id) is None
    assert found(core_backend.unit_of_work, BOB, TodoQuery()) == []
    assert counted(core_backend.unit_of_work, BOB, TodoFilters()) == 0


def test_a_todo_read_for_update_is_the_stored_todo(core_backend: Backend) -> None:
    (todo,) = stored(core_backend.unit_of_work, make_todo())
    with core_backend.unit_of_work() as uow:
        assert uow.todos.get(ALICE, todo.id, for_update=True) == todo


def test_an_id_already_used_cannot_be_added_again(core_backend: Backend) -> None:
    (todo,) = stored(core_backend.unit_of_work, make_todo())
    with core_backend.unit_of_work() as uow, pytest.raises(ValueError, match="already used"):
        uow.todos.add(replace(todo, title="again"))


def test_saving_the_next_version_replaces_the_stored_todo(core_backend: Backend) -> None:
    (todo,) = stored(core_backend.unit_of_work, make_todo())
    changed = todo.changed(TodoChanges(title="new", priority=Priority.LOW, completed=True), at(1))
    with core_backend.unit_of_work() as uow:
        uow.todos.save(changed)
        uow.commit()
    assert read(core_backend.unit_of_work, ALICE, todo.id) == changed


def test_saving_over_a_version_that_moved_on_is_a_stale_write(core_backend: Backend) -> None:
    (todo,) = stored(core_backend.unit_of_work, make_todo())
    first = todo.toggled(at(1))
    late = todo.changed(TodoChanges(title="late"), at(2))
    with core_backend.unit_of_work() as uow:
        uow.todos.save(first)
        uow.commit()
    with core_backend.unit_of_work() as uow, pytest.raises(StaleWriteError):
        uow.todos.save(late)
    assert read(core_backend.unit_of_work, ALICE, todo.id) == first


@pytest.mark.parametrize("version", [1, 3])
def test_saving_a_version_that_does_not_follow_the_stored_one_is_stale(
    core_backend: Backend, version: int
) -> None:
    (todo,) = stored(core_backend.unit_of_work, make_todo())
    with core_backend.unit_of_work() as uow, pytest.raises(StaleWriteError):
        uow.todos.save(replace(todo, title="x", version=version))


def test_saving_a_removed_or_unknown_todo_is_a_stale_write(core_backend: Backend) -> None:
    stored(core_backend.unit_of_work, make_todo())
    with core_backend.unit_of_work() as uow, pytest.raises(StaleWriteError):
        uow.todos.save(make_todo(id=uuid.uuid4(), version=2))


def test_a_todo_cannot_be_saved_or_removed_under_another_owner(core_backend: Backend) -> None:
    (todo,) = stored(core_backend.unit_of_work, make_todo(owner_id=ALICE))
    stored(core_backend.unit_of_work, make_todo(owner_id=BOB))
    hijacked = replace(todo.toggled(at(1)), owner_id=BOB)
    with core_backend.unit_of_work() as uow:
        with pytest.raises(StaleWriteError):
            uow.todos.save(hijacked)
        with pytest.raises(StaleWriteError):
            uow.todos.remove(replace(todo, owner_id=BOB), T0)
    assert read(core_backend.unit_of_work, ALICE, todo.id) == todo


def test_removing_at_the_stored_version_deletes_the_todo(core_backend: Backend) -> None:
    (todo,) = stored(core_backend.unit_of_work, make_todo())
    with core_backend.unit_of_work() as uow:
        uow.todos.remove(todo, T0)
        uow.commit()
    assert read(core_backend.unit_of_work, ALICE, todo.id) is None


def test_removing_at_an_old_version_is_a_stale_write(core_backend: Backend) -> None:
    (todo,) = stored(core_backend.unit_of_work, make_todo())
    with core_backend.unit_of_work() as uow:
        uow.todos.save(todo.toggled(at(1)))
        uow.commit()
    with core_backend.unit_of_work() as uow, pytest.raises(StaleWriteError):
        uow.todos.remove(todo, T0)


def test_find_gives_the_page_plus_one_newest_first_and_count_gives_the_total(
    core_backend: Backend,
) -> None:
    todos = [make_todo(now=at(minute)) for minute in range(5)]
    stored(core_backend.unit_of_work, *todos, make_todo(owner_id=BOB))

    page = found(core_backend.unit_of_work, ALICE, TodoQuery(limit=2))

    assert ids(page) == ids(todos[::-1][:3])
    assert counted(core_backend.unit_of_work, ALICE, TodoFilters()) == 5


def test_a_user_is_added_once_and_later_additions_return_the_stored_one(
    core_backend: Backend,
) -> None:
    first = make_user(ALICE, email="a@example.com", name="Alice")
    with core_backend.unit_of_work() as uow:
        assert uow.users.get(ALICE) is None
        assert uow.users.add_if_absent(first) == first
        uow.commit()
    with core_backend.unit_of_work() as uow:
        again = uow.users.add_if_absent(make_user(ALICE, email=None, created_at=at(9)))
        uow.commit()
    assert again == first


def test_a_saved_user_replaces_the_stored_one(core_backend: Backend) -> None:
    user = make_user(BOB, name="Bob")
    with core_backend.unit_of_work() as uow:
        uow.users.add_if_absent(user)
        uow.commit()
    with core_backend.unit_of_work() as uow:
        uow.users.save(user.with_active(False))
        uow.commit()
    with core_backend.unit_of_work() as uow:
        assert uow.users.get(BOB) == user.with_active(False)


def test_instants_keep_their_microseconds_and_come_back_in_utc(core_backend: Backend) -> None:
    created = datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-7)))
    (todo,) = stored(core_backend.unit_of_work, make_todo(now=created))
    read_back = read(core_backend.unit_of_work, ALICE, todo.id)
    assert read_back is not None
    assert read_back.created_at == created
    assert read_back.created_at.tzinfo == UTC
    assert read_back.created_at.microsecond == 999999
