"""The writes of one todo (`TodoWrites`) answer as the domain does, on every store.

PostgreSQL does each in one statement that restates a few of the domain's rules in SQL
(migration 0010), and falls back to the steps for anything it does not settle; the
in-memory and SQLite stores do the steps. Each change below is held to `Todo.changed`
and `Todo.toggled` themselves, and each refusal to the domain's own error, with nothing
stored: a rule restated wrongly in SQL fails here.
"""

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.contract.conftest import Backend
from tests.contract.helpers import make_user, read
from tests.factories import ALICE, BOB, T0
from tests.shapes import field_types, two_values
from todo_service.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from todo_service.application.changes import ChangePosition
from todo_service.application.idempotency import IdempotencyRecord
from todo_service.application.listing import TodoFilters
from todo_service.application.ports import TOGGLE, UnitOfWork
from todo_service.domain import (
    UNSET,
    After,
    Before,
    Edge,
    InvalidValueError,
    NewTodo,
    Placement,
    Priority,
    Quota,
    QuotaExceededError,
    Todo,
    TodoChanges,
    TodoId,
    TodoNotFoundError,
    UserId,
    VersionConflictError,
)
from todo_service.domain.errors import UserDeactivatedError
from todo_service.domain.todo import GIVEN_FIELDS
from todo_service.domain.values import MAX_ORDER, MIN_ORDER

QUOTA = Quota()
_START = ChangePosition(-1, uuid.UUID(int=0))
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(
    lambda text: text.strip() == text
)
INSTANTS = st.datetimes(
    min_value=datetime(1970, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
CHANGES = st.builds(
    TodoChanges,
    title=st.one_of(st.just(UNSET), TEXT),
    description=st.one_of(st.just(UNSET), st.none(), TEXT),
    priority=st.one_of(st.just(UNSET), st.sampled_from(Priority)),
    due_at=st.one_of(st.just(UNSET), st.none(), INSTANTS),
    completed=st.one_of(st.just(UNSET), st.booleans()),
    order=st.one_of(st.just(UNSET), st.integers(MIN_ORDER, MAX_ORDER)),
)
NEW_TODOS = st.builds(
    NewTodo,
    title=TEXT,
    description=st.one_of(st.none(), TEXT),
    priority=st.sampled_from(Priority),
    due_at=st.one_of(st.none(), INSTANTS),
    completed=st.booleans(),
    order=st.integers(MIN_ORDER, MAX_ORDER),
)
# Before and after the todo's creation: a clock that steps back must not move updated_at back.
MOMENTS = st.timedeltas(min_value=timedelta(minutes=-5), max_value=timedelta(minutes=5))


def _added(
    uow: UnitOfWork,
    new: NewTodo,
    *,
    owner: UserId = ALICE,
    todo_id: TodoId | None = None,
    **given: Any,
) -> Todo:
    options: dict[str, Any] = {
        "owner": make_user(owner),
        "quota": QUOTA,
        "at_end": False,
        "claim": None,
        "now": T0,
        **given,
    }
    added = uow.writes.add(Todo.create(todo_id or uuid.uuid4(), owner, new, T0), **options)
    assert isinstance(added, Todo)
    return added


def _add(backend: Backend, new: NewTodo, **given: Any) -> Todo:
    with backend.unit_of_work() as uow:
        return _added(uow, new, **given)


_PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_PROPERTY
@given(new=NEW_TODOS, changes=CHANGES, moment=MOMENTS)
def test_a_change_stores_what_the_domain_makes_of_it(
    backend: Backend, new: NewTodo, changes: TodoChanges, moment: timedelta
) -> None:
    todo = _add(backend, new)
    now = T0 + moment
    with backend.unit_of_work() as uow:
        changed = uow.writes.change(ALICE, todo.id, changes, now=now, quota=QUOTA)
    assert changed == todo.changed(changes, now)
    assert read(backend.unit_of_work, ALICE, todo.id) == changed


@pytest.mark.parametrize("name", list(GIVEN_FIELDS))
def test_each_field_a_change_sets_is_stored_as_the_domain_makes_it(
    backend: Backend, name: str
) -> None:
    """Walks the fields, so that a new one a store does not write (a write function
    that names its columns, say) fails here even before the strategies above draw it."""
    for value in two_values(field_types(Todo)[name]):
        todo = _add(backend, NewTodo("Buy milk"))
        changes = TodoChanges(**{name: value})
        with backend.unit_of_work() as uow:
            changed = uow.writes.change(ALICE, todo.id, changes, now=T0, quota=QUOTA)
        assert changed == todo.changed(changes, T0)
        assert read(backend.unit_of_work, ALICE, todo.id) == changed


@_PROPERTY
@given(new=NEW_TODOS, moment=MOMENTS)
def test_a_toggle_stores_what_the_domain_makes_of_it(
    backend: Backend, new: NewTodo, moment: timedelta
) -> None:
    todo = _add(backend, new)
    now = T0 + moment
    with backend.unit_of_work() as uow:
        toggled = uow.writes.change(ALICE, todo.id, TOGGLE, now=now, quota=QUOTA)
    assert toggled == todo.toggled(now)
    assert read(backend.unit_of_work, ALICE, todo.id) == toggled


@_PROPERTY
@given(new=NEW_TODOS)
def test_an_added_todo_is_stored_as_given(backend: Backend, new: NewTodo) -> None:
    todo = _add(backend, new)
    assert todo == Todo.create(todo.id, ALICE, new, T0)
    assert read(backend.unit_of_work, ALICE, todo.id) == todo


def test_an_added_todo_goes_a_step_past_the_last_or_first_at_zero(backend: Backend) -> None:
    first = _add(backend, NewTodo("First"), at_end=True)
    placed = _add(backend, NewTodo("Placed", order=1000), at_end=False)
    last = _add(backend, NewTodo("Last"), at_end=True)
    assert (first.order, placed.order) == (0, 1000)
    assert last.order == 1000 + 2**16


def test_an_added_todo_finds_room_at_a_full_end(backend: Backend) -> None:
    """No integer past the last order: the domain renumbers the last todos to make room."""
    full = _add(backend, NewTodo("At the very end", order=MAX_ORDER))
    last = _add(backend, NewTodo("Last"), at_end=True)
    moved = read(backend.unit_of_work, ALICE, full.id)
    assert moved is not None
    assert moved.order < last.order <= MAX_ORDER
    assert moved.version == 2


def test_a_deactivated_owner_adds_nothing(backend: Backend) -> None:
    with backend.unit_of_work() as uow:
        uow.users.add_if_absent(make_user(ALICE, active=False))
        uow.commit()
    with pytest.raises(UserDeactivatedError), backend.unit_of_work() as uow:
        _added(uow, NewTodo("Buy milk"))
    with backend.unit_of_work() as uow:
        assert uow.todos.usage(ALICE).todos == 0


@pytest.mark.parametrize(
    ("quota", "message"),
    [(Quota(max_todos=1), "at most 1 todos"), (Quota(max_text_bytes=10), "this would make 12")],
)
def test_an_add_past_the_quota_is_the_domains_refusal(
    backend: Backend, quota: Quota, message: str
) -> None:
    _add(backend, NewTodo("Milk"), quota=quota)
    with pytest.raises(QuotaExceededError, match=message):
        _add(backend, NewTodo("Eggs", description="xxxx"), quota=quota)
    with backend.unit_of_work() as uow:
        assert uow.todos.usage(ALICE).todos == 1


def test_an_add_with_a_key_already_held_stores_nothing_and_names_the_holder(
    backend: Backend,
) -> None:
    first = Todo.create(uuid.uuid4(), ALICE, NewTodo("Buy milk"), T0)
    claim = IdempotencyRecord.for_request(
        ALICE, "key-1", NewTodo("Buy milk"), first.id, T0 + timedelta(days=1)
    )
    _add(backend, NewTodo("Buy milk"), claim=claim)
    second = IdempotencyRecord.for_request(
        ALICE, "key-1", NewTodo("Buy milk"), uuid.uuid4(), T0 + timedelta(days=1)
    )
    with backend.unit_of_work() as uow:
        holder = uow.writes.add(
            Todo.create(second.todo_id, ALICE, NewTodo("Buy milk"), T0),
            owner=make_user(ALICE),
            quota=QUOTA,
            at_end=True,
            claim=second,
            now=T0,
        )
    assert holder == claim
    assert read(backend.unit_of_work, ALICE, second.todo_id) is None


def test_a_change_past_the_quota_of_text_is_the_domains_refusal(backend: Backend) -> None:
    todo = _add(backend, NewTodo("Milk"))
    with (
        pytest.raises(QuotaExceededError, match="this would make 11"),
        backend.unit_of_work() as uow,
    ):
        uow.writes.change(
            ALICE, todo.id, TodoChanges(title="Oat milk!!!"), now=T0, quota=Quota(max_text_bytes=10)
        )
    assert read(backend.unit_of_work, ALICE, todo.id) == todo


@pytest.mark.parametrize("write", ["change", "toggle", "remove"])
def test_another_users_todo_or_another_version_is_the_domains_refusal(
    backend: Backend, write: str
) -> None:
    todo = _add(backend, NewTodo("Buy milk"))

    def attempt(owner: UserId, version: int | None) -> None:
        with backend.unit_of_work() as uow:
            if write == "remove":
                uow.writes.remove(owner, todo.id, now=T0, expected_version=version)
            else:
                change = TOGGLE if write == "toggle" else TodoChanges(title="Oat milk")
                uow.writes.change(
                    owner, todo.id, change, now=T0, quota=QUOTA, expected_version=version
                )

    with pytest.raises(TodoNotFoundError):
        attempt(BOB, None)
    with pytest.raises(TodoNotFoundError), backend.unit_of_work() as uow:
        uow.writes.remove(ALICE, uuid.uuid4(), now=T0)
    with pytest.raises(VersionConflictError) as conflict:
        attempt(ALICE, 7)
    assert (conflict.value.expected, conflict.value.actual) == (7, 1)
    assert read(backend.unit_of_work, ALICE, todo.id) == todo


def test_a_removal_leaves_a_tombstone_and_frees_the_usage(backend: Backend) -> None:
    todo = _add(backend, NewTodo("Buy milk", description="Oat"))
    with backend.unit_of_work() as uow:
        uow.writes.remove(ALICE, todo.id, now=T0, expected_version=1)
    assert read(backend.unit_of_work, ALICE, todo.id) is None
    with backend.unit_of_work() as uow:
        assert (uow.todos.usage(ALICE).todos, uow.users.change_usage(ALICE, 0, 0).todos) == (0, 0)
        [change] = uow.todos.changes_after(ALICE, _START, 10)
    assert (change.todo, change.position.todo_id) == (None, todo.id)


FILTERS = st.builds(
    TodoFilters,
    completed=st.one_of(st.none(), st.booleans()),
    priority=st.one_of(st.none(), st.sampled_from(Priority)),
    title_contains=st.one_of(st.none(), st.sampled_from(["a", "Milk", "%", "_"])),
    due_before=st.one_of(st.none(), INSTANTS),
)


@_PROPERTY
@given(news=st.lists(NEW_TODOS, min_size=1, max_size=6), filters=FILTERS)
def test_a_removal_of_matching_todos_removes_exactly_those_the_filters_match(
    backend: Backend, news: list[NewTodo], filters: TodoFilters
) -> None:
    """Each goes as `remove` takes one: a tombstone, and out of the owner's usage; those
    the filters do not match, and another user's, stay as they were."""
    owner, other = (UserId(f"{who}-{uuid.uuid4().hex}") for who in ("clearer", "bystander"))
    with backend.unit_of_work() as uow:
        mine = [_added(uow, new, owner=owner) for new in news]
        theirs = [_added(uow, new, owner=other) for new in news]
    doomed = {todo.id for todo in mine if filters.matches(todo)}

    with backend.unit_of_work() as uow:
        assert uow.writes.remove_matching(owner, filters, now=T0) == len(doomed)

    with backend.unit_of_work() as uow:
        assert _by_id(uow.todos.matching(owner, TodoFilters())) == _by_id(
            todo for todo in mine if todo.id not in doomed
        )
        assert _by_id(uow.todos.matching(other, TodoFilters())) == _by_id(theirs)
        assert uow.users.change_usage(owner, 0, 0) == uow.todos.usage(owner)
        changes = uow.todos.changes_after(owner, _START, 100)
    assert {change.position.todo_id for change in changes if change.todo is None} == doomed


BULK_CHANGES = st.builds(
    TodoChanges,
    priority=st.one_of(st.just(UNSET), st.sampled_from(Priority)),
    due_at=st.one_of(st.just(UNSET), st.none(), INSTANTS),
    completed=st.one_of(st.just(UNSET), st.booleans()),
)


@_PROPERTY
@given(
    news=st.lists(NEW_TODOS, min_size=1, max_size=6),
    filters=FILTERS,
    changes=BULK_CHANGES,
    moment=MOMENTS,
)
def test_a_change_of_matching_todos_stores_what_the_domain_makes_of_each(
    backend: Backend,
    news: list[NewTodo],
    filters: TodoFilters,
    changes: TodoChanges,
    moment: timedelta,
) -> None:
    """Each matching todo as `Todo.changed` leaves it (one it leaves as it was keeps its
    version, and is not counted); the others, and another user's, as they were."""
    owner, other = (UserId(f"{who}-{uuid.uuid4().hex}") for who in ("marker", "bystander"))
    with backend.unit_of_work() as uow:
        mine = [_added(uow, new, owner=owner) for new in news]
        theirs = [_added(uow, new, owner=other) for new in news]
    now = T0 + moment
    expected = [todo.changed(changes, now) if filters.matches(todo) else todo for todo in mine]

    with backend.unit_of_work() as uow:
        changed = uow.writes.change_matching(owner, filters, changes, now=now)
    assert changed == sum(after is not before for after, before in zip(expected, mine, strict=True))

    with backend.unit_of_work() as uow:
        assert _by_id(uow.todos.matching(owner, TodoFilters())) == _by_id(expected)
        assert _by_id(uow.todos.matching(other, TodoFilters())) == _by_id(theirs)


def _by_id(todos: Iterable[Todo]) -> dict[TodoId, Todo]:
    return {todo.id: todo for todo in todos}


PLACES: list[Edge | type[Before] | type[After]] = [*Edge, Before, After]


@_PROPERTY
@given(
    # Orders close together and at the very ends, so that some moves find no room.
    orders=st.lists(
        st.one_of(st.integers(-3, 3), st.sampled_from([MIN_ORDER, MAX_ORDER])),
        min_size=1,
        max_size=6,
    ),
    moving=st.integers(0, 5),
    place=st.sampled_from(PLACES),
    anchor=st.integers(0, 5),
)
def test_a_move_leaves_the_list_the_steps_leave(
    backend: Backend,
    orders: list[int],
    moving: int,
    place: Edge | type[Before] | type[After],
    anchor: int,
) -> None:
    """The steps are `place_moved` and the domain's `make_room`, on the in-memory store."""
    owner = UserId(
        f"mover-{uuid.uuid4().hex}"
    )  # a list of its own in a store kept between examples
    todos = [
        Todo.create(uuid.uuid4(), owner, NewTodo(f"Todo {i}", order=order), T0)
        for i, order in enumerate(orders)
    ]
    placement: Placement = (
        place if isinstance(place, Edge) else place(todos[anchor % len(todos)].id)
    )
    reference = InMemoryStore()
    answers = []
    for unit_of_work in (backend.unit_of_work, lambda: InMemoryUnitOfWork(reference)):
        with unit_of_work() as uow:
            for todo in todos:
                _added(uow, NewTodo(todo.title, order=todo.order), owner=owner, todo_id=todo.id)
        try:
            with unit_of_work() as uow:
                moved: Todo | str = uow.writes.move(
                    owner, todos[moving % len(todos)].id, placement, now=T0 + timedelta(minutes=1)
                )
        except InvalidValueError as refused:
            moved = str(refused)
        with unit_of_work() as uow:
            listed = uow.todos.matching(ALICE, TodoFilters())
        answers.append((moved, sorted(listed, key=lambda todo: (todo.order, todo.id))))
    stored, expected = answers
    assert stored == expected
