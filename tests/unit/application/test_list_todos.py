from datetime import timedelta

import pytest

from tests.factories import ALICE, BOB, T0, FixedClock
from todo_service.application import ListTodosRequest, TodoFilters, TodoService
from todo_service.domain import InvalidValueError, NewTodo, Priority, Todo


def _create(service: TodoService, clock: FixedClock, count: int) -> list[Todo]:
    todos = []
    for i in range(count):
        clock.advance()
        todos.append(service.create_todo(ALICE, NewTodo(title=f"todo {i:02}")))
    return todos


def test_the_default_listing_is_newest_first_with_a_total(
    service: TodoService, clock: FixedClock
) -> None:
    todos = _create(service, clock, 3)
    page = service.list_todos(ALICE, ListTodosRequest())
    assert list(page.items) == todos[::-1]
    assert (page.total, page.limit, page.offset, page.next_cursor) == (3, 20, 0, None)


def test_cursor_pages_walk_every_todo_exactly_once(service: TodoService, clock: FixedClock) -> None:
    todos = _create(service, clock, 7)
    seen: list[Todo] = []
    cursor = None
    while True:
        page = service.list_todos(ALICE, ListTodosRequest(limit=3, cursor=cursor))
        seen.extend(page.items)
        assert page.total == 7
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == todos[::-1]


def test_the_last_full_page_has_no_next_cursor(service: TodoService, clock: FixedClock) -> None:
    _create(service, clock, 4)
    first = service.list_todos(ALICE, ListTodosRequest(limit=2))
    assert first.next_cursor is not None
    last = service.list_todos(ALICE, ListTodosRequest(limit=2, cursor=first.next_cursor))
    assert len(last.items) == 2
    assert last.next_cursor is None


def test_offset_pages_agree_with_cursor_pages(service: TodoService, clock: FixedClock) -> None:
    _create(service, clock, 5)
    by_offset = service.list_todos(ALICE, ListTodosRequest(limit=2, offset=2))
    first = service.list_todos(ALICE, ListTodosRequest(limit=2))
    by_cursor = service.list_todos(ALICE, ListTodosRequest(limit=2, cursor=first.next_cursor))
    assert by_offset.items == by_cursor.items


def test_a_cursor_with_a_non_zero_offset_is_refused(
    service: TodoService, clock: FixedClock
) -> None:
    _create(service, clock, 3)
    cursor = service.list_todos(ALICE, ListTodosRequest(limit=1)).next_cursor
    with pytest.raises(InvalidValueError, match="cursor"):
        service.list_todos(ALICE, ListTodosRequest(limit=1, offset=1, cursor=cursor))


def test_another_users_cursor_never_shows_their_todos(
    service: TodoService, clock: FixedClock
) -> None:
    _create(service, clock, 3)
    cursor = service.list_todos(ALICE, ListTodosRequest(limit=1)).next_cursor
    with pytest.raises(InvalidValueError, match="cursor"):
        service.list_todos(BOB, ListTodosRequest(limit=1, cursor=cursor))


def test_priority_sorts_by_meaning_and_missing_due_dates_come_last(
    service: TodoService, clock: FixedClock
) -> None:
    low = service.create_todo(ALICE, NewTodo(title="l", priority=Priority.LOW, due_at=T0))
    high = service.create_todo(ALICE, NewTodo(title="h", priority=Priority.HIGH))
    medium = service.create_todo(ALICE, NewTodo(title="m", due_at=T0 + timedelta(days=1)))
    by_priority = service.list_todos(ALICE, ListTodosRequest(sort="priority:asc")).items
    assert by_priority == (low, medium, high)
    for direction, dated in (("asc", (low, medium)), ("desc", (medium, low))):
        listed = service.list_todos(ALICE, ListTodosRequest(sort=f"due_at:{direction}")).items
        assert listed == (*dated, high)


def test_filters_narrow_the_items_and_the_total(service: TodoService, clock: FixedClock) -> None:
    service.create_todo(ALICE, NewTodo(title="Buy MILK", priority=Priority.HIGH))
    service.create_todo(ALICE, NewTodo(title="Buy bread", priority=Priority.HIGH))
    service.create_todo(ALICE, NewTodo(title="milk the cow"))
    page = service.list_todos(
        ALICE, ListTodosRequest(TodoFilters(priority=Priority.HIGH, title_contains="milk"))
    )
    assert [t.title for t in page.items] == ["Buy MILK"]
    assert page.total == 1


@pytest.mark.parametrize(
    "request_",
    [
        ListTodosRequest(sort="owner_id:asc"),
        ListTodosRequest(limit=0),
        ListTodosRequest(limit=101),
        ListTodosRequest(offset=-1),
        ListTodosRequest(cursor="forged"),
    ],
)
def test_bad_listing_requests_are_refused(service: TodoService, request_: ListTodosRequest) -> None:
    with pytest.raises(InvalidValueError):
        service.list_todos(ALICE, request_)
