import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import ALICE, BOB, T0, make_todo
from todo_service.domain import (
    UNSET,
    InvalidValueError,
    NewTodo,
    Priority,
    Todo,
    TodoChanges,
    TodoNotFoundError,
    VersionConflictError,
)
from todo_service.domain.todo import MAX_VERSION

LATER = T0 + timedelta(minutes=5)


def test_a_new_todo_starts_open_at_version_1_with_service_set_timestamps() -> None:
    sut = Todo.create(uuid.uuid4(), ALICE, NewTodo(title="  Buy milk "), T0)
    assert sut.title == "Buy milk"
    assert sut.priority is Priority.MEDIUM
    assert (sut.completed, sut.completed_at) == (False, None)
    assert sut.created_at == sut.updated_at == T0
    assert sut.version == 1


def test_a_todo_created_completed_is_completed_at_creation() -> None:
    sut = Todo.create(uuid.uuid4(), ALICE, NewTodo(title="Done", completed=True), T0)
    assert sut.completed_at == T0


def test_a_naive_due_date_is_refused_on_create() -> None:
    naive = NewTodo(title="x", due_at=datetime(2026, 12, 1))  # noqa: DTZ001
    with pytest.raises(InvalidValueError, match="due_at"):
        Todo.create(uuid.uuid4(), ALICE, naive, T0)


def test_due_dates_are_stored_in_utc() -> None:
    due = datetime(2026, 12, 1, 18, 0, tzinfo=timezone(timedelta(hours=-5)))
    sut = Todo.create(uuid.uuid4(), ALICE, NewTodo(title="x", due_at=due), T0)
    assert sut.due_at == due
    assert sut.due_at is not None
    assert sut.due_at.tzinfo is UTC


def test_a_change_bumps_the_version_and_moves_updated_at() -> None:
    sut = make_todo().changed(TodoChanges(title="Buy oat milk"), LATER)
    assert (sut.title, sut.version, sut.updated_at) == ("Buy oat milk", 2, LATER)
    assert sut.created_at == T0


def test_a_change_that_changes_nothing_is_no_change() -> None:
    todo = make_todo(title="Buy milk")
    unchanged = todo.changed(TodoChanges(title="  Buy milk ", priority=Priority.MEDIUM), LATER)
    assert unchanged is todo
    assert todo.changed(TodoChanges(), LATER) is todo


def test_none_clears_the_description_and_the_due_date_while_unset_keeps_them() -> None:
    todo = make_todo().changed(
        TodoChanges(description="details", due_at=T0 + timedelta(days=1)), LATER
    )
    kept = todo.changed(TodoChanges(priority=Priority.HIGH), LATER)
    assert (kept.description, kept.due_at) == (todo.description, todo.due_at)
    cleared = todo.changed(TodoChanges(description=None, due_at=None), LATER)
    assert (cleared.description, cleared.due_at) == (None, None)


def test_completing_sets_completed_at_and_reopening_clears_it() -> None:
    done = make_todo().changed(TodoChanges(completed=True), LATER)
    assert done.completed_at == LATER
    reopened = done.changed(TodoChanges(completed=False), LATER + timedelta(seconds=1))
    assert (reopened.completed, reopened.completed_at) == (False, None)


def test_an_invalid_change_is_refused_and_the_todo_is_untouched() -> None:
    todo = make_todo()
    with pytest.raises(InvalidValueError, match="title"):
        todo.changed(TodoChanges(title="   "), LATER)
    assert todo.version == 1


def test_updated_at_never_moves_back_when_the_clock_does() -> None:
    todo = make_todo(now=LATER)
    changed = todo.changed(TodoChanges(title="new"), T0)
    assert changed.updated_at == LATER
    assert changed.version == 2


def test_the_constructor_refuses_an_inconsistent_todo() -> None:
    todo = make_todo()
    with pytest.raises(InvalidValueError, match="completed_at"):
        replace(todo, completed=True)
    with pytest.raises(InvalidValueError, match="version"):
        replace(todo, version=0)
    with pytest.raises(InvalidValueError, match="stripped"):
        replace(todo, title=" padded ")


def test_a_todo_at_the_largest_storable_version_refuses_to_change() -> None:
    todo = make_todo(version=MAX_VERSION)
    with pytest.raises(InvalidValueError, match="version must be between 1 and"):
        todo.toggled(LATER)


def test_another_users_todo_is_reported_exactly_like_a_missing_one() -> None:
    todo = make_todo(owner_id=ALICE)
    todo.require_owner(ALICE)
    with pytest.raises(TodoNotFoundError) as caught:
        todo.require_owner(BOB)
    assert str(caught.value) == str(TodoNotFoundError()) == "Todo not found"


def test_a_stale_expected_version_is_a_conflict() -> None:
    todo = make_todo()
    todo.require_version(None)
    todo.require_version(1)
    with pytest.raises(VersionConflictError, match="version 1, not the expected version 3"):
        todo.require_version(3)


changes = st.builds(
    TodoChanges,
    title=st.one_of(st.just(UNSET), st.sampled_from(["a", "b", " a "])),
    description=st.one_of(st.just(UNSET), st.none(), st.sampled_from(["", "d"])),
    priority=st.one_of(st.just(UNSET), st.sampled_from(Priority)),
    due_at=st.one_of(st.just(UNSET), st.none(), st.just(T0)),
    completed=st.one_of(st.just(UNSET), st.booleans()),
)


@given(st.lists(st.one_of(changes, st.just("toggle")), max_size=20))
def test_the_version_grows_by_exactly_one_per_effective_change(steps: list[object]) -> None:
    todo = make_todo(title="a")
    moment = T0
    for step in steps:
        moment += timedelta(seconds=1)
        after = todo.toggled(moment) if step == "toggle" else todo.changed(step, moment)  # type: ignore[arg-type]
        if after is todo:
            assert after.updated_at == todo.updated_at
        else:
            assert after.version == todo.version + 1
            assert after.updated_at == moment > todo.updated_at
        assert after.completed == (after.completed_at is not None)
        todo = after


@given(st.booleans())
def test_toggling_twice_restores_the_state(completed: bool) -> None:
    todo = make_todo().changed(TodoChanges(completed=completed), T0)
    twice = todo.toggled(LATER).toggled(LATER)
    assert twice.completed == todo.completed
    assert twice.completed_at == (LATER if completed else None)
    assert twice.version == todo.version + 2
