"""Listing: every sort in both directions, keyset and offset pages, and every filter."""

import uuid
from dataclasses import replace
from functools import cmp_to_key

import pytest

from tests.contract.conftest import Backend
from tests.contract.helpers import at, counted, found, ids, stored
from tests.factories import ALICE, BOB, make_todo
from todo_service.application.listing import (
    Position,
    Sort,
    SortDirection,
    SortField,
    TodoFilters,
    TodoQuery,
    compare_positions,
)
from todo_service.domain import Priority, Todo, TodoChanges

EVERY_SORT = [Sort(field, direction) for field in SortField for direction in SortDirection]


def _varied_todos() -> list[Todo]:
    """Todos with ties in every sort field, missing due dates and tricky titles."""
    titles = ["apple", "Apple", "apple", "Äpfel", "zebra", "Zebra", "ápple", "b"]
    due = [at(60), None, at(60), at(-60), None, at(60.000001), at(30), None]
    priorities = list(Priority) * 3
    todos = []
    for n, title in enumerate(titles):
        todo = make_todo(id=uuid.uuid4(), title=title, now=at(n // 3))
        changes = TodoChanges(priority=priorities[n], due_at=due[n])
        todos.append(replace(todo.changed(changes, at(n % 2 + 10)), version=1))
    return todos


def _expected(todos: list[Todo], sort: Sort) -> list[Todo]:
    def compare(a: Todo, b: Todo) -> int:
        return compare_positions(
            Position.of(a, sort.field), Position.of(b, sort.field), sort.direction
        )

    return sorted(todos, key=cmp_to_key(compare))


@pytest.mark.parametrize("sort", EVERY_SORT, ids=str)
def test_find_orders_by_the_sort_then_id_with_missing_due_dates_last(
    backend: Backend, sort: Sort
) -> None:
    todos = stored(backend.unit_of_work, *_varied_todos())
    page = found(backend.unit_of_work, ALICE, TodoQuery(sort=sort, limit=100))
    assert ids(page) == ids(_expected(list(todos), sort))


@pytest.mark.parametrize("sort", EVERY_SORT, ids=str)
def test_keyset_pages_after_each_position_walk_the_whole_order_once(
    backend: Backend, sort: Sort
) -> None:
    todos = stored(backend.unit_of_work, *_varied_todos())
    walked: list[Todo] = []
    after: Position | None = None
    while True:
        page = found(backend.unit_of_work, ALICE, TodoQuery(sort=sort, limit=3, after=after))
        walked.extend(page[:3])
        if len(page) <= 3:
            break
        after = Position.of(page[2], sort.field)
    assert ids(walked) == ids(_expected(list(todos), sort))


def test_keyset_after_a_position_no_todo_holds_starts_at_the_next_one(backend: Backend) -> None:
    todos = stored(backend.unit_of_work, *_varied_todos())
    sort = Sort(SortField.DUE_AT, SortDirection.ASC)
    expected = [t for t in _expected(list(todos), sort) if t.due_at is None]
    gap = Position(None, uuid.UUID(int=0))
    query = TodoQuery(sort=sort, limit=100, after=gap)
    assert ids(found(backend.unit_of_work, ALICE, query)) == ids(expected)


@pytest.mark.parametrize("offset", [0, 1, 5, 8, 50])
def test_offset_pages_skip_that_many_todos_of_the_order(backend: Backend, offset: int) -> None:
    todos = stored(backend.unit_of_work, *_varied_todos())
    sort = Sort(SortField.TITLE, SortDirection.ASC)
    query = TodoQuery(sort=sort, limit=2, offset=offset)
    expected = _expected(list(todos), sort)[offset : offset + 3]
    assert ids(found(backend.unit_of_work, ALICE, query)) == ids(expected)


@pytest.mark.parametrize("offset", [0, 5, 8, 50])
@pytest.mark.parametrize(
    "filters",
    [TodoFilters(), TodoFilters(title_contains="app"), TodoFilters(title_contains="no such title")],
    ids=["all", "q", "nothing matches"],
)
def test_a_page_comes_with_the_total_of_every_matching_todo_even_past_the_last_page(
    backend: Backend, offset: int, filters: TodoFilters
) -> None:
    stored(backend.unit_of_work, *_varied_todos(), make_todo(owner_id=BOB, title="apple"))
    query = TodoQuery(filters, limit=2, offset=offset)
    with backend.unit_of_work() as uow:
        page, total = uow.todos.find_with_total(ALICE, query)
    expected_page = found(backend.unit_of_work, ALICE, query)
    assert (ids(page), total) == (ids(expected_page), counted(backend.unit_of_work, ALICE, filters))


FILTERS = {
    "completed": TodoFilters(completed=True),
    "open": TodoFilters(completed=False),
    "priority": TodoFilters(priority=Priority.HIGH),
    "q ascii, any case": TodoFilters(title_contains="APP"),
    "q non-ascii folded": TodoFilters(title_contains="äPF"),
    "q dotted capital I": TodoFilters(title_contains="i̇stanbul"),
    "q sigma": TodoFilters(title_contains="σς"),
    "q percent is literal": TodoFilters(title_contains="%"),
    "q underscore is literal": TodoFilters(title_contains="_"),
    "q backslash is literal": TodoFilters(title_contains="\\"),
    "q escape-like sequence": TodoFilters(title_contains="\\%"),
    "due before (exclusive)": TodoFilters(due_before=at(60)),
    "due after (exclusive)": TodoFilters(due_after=at(30)),
    "due window": TodoFilters(due_after=at(-60), due_before=at(60.000001)),
    "everything at once": TodoFilters(completed=False, title_contains="a", due_after=at(-61)),
}


def _filterable_todos() -> list[Todo]:
    titles = [
        "Apple pie",
        "ÄPFEL",
        "İstanbul",
        "ΣΑΣ",
        "100% done",
        "100 percent",
        "a_b",
        "axb",
        "back\\slash",
        "back\\%",
        "backslash",
    ]
    todos = []
    for n, title in enumerate(titles):
        due = [None, at(-60), at(30), at(60), at(60.000001)][n % 5]
        changes = TodoChanges(priority=list(Priority)[n % 3], due_at=due, completed=n % 2 == 0)
        todos.append(replace(make_todo(title=title).changed(changes, at(1)), version=1))
    return todos


@pytest.mark.parametrize("filters", FILTERS.values(), ids=FILTERS.keys())
def test_filters_match_and_count_exactly_what_the_reference_semantics_say(
    backend: Backend, filters: TodoFilters
) -> None:
    todos = stored(backend.unit_of_work, *_filterable_todos())
    stored(backend.unit_of_work, make_todo(owner_id=BOB, title="Apple % _ \\ ÄPFEL"))
    expected = _expected([t for t in todos if filters.matches(t)], Sort())
    assert expected or filters == TodoFilters(
        title_contains="σς"
    )  # every case but one selects something
    assert len(expected) < len(todos)

    assert ids(found(backend.unit_of_work, ALICE, TodoQuery(filters, limit=100))) == ids(expected)
    assert counted(backend.unit_of_work, ALICE, filters) == len(expected)
