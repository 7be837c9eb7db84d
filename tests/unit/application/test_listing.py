import uuid
from datetime import timedelta
from functools import cmp_to_key

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import T0, make_todo
from todo_service.application.listing import (
    MAX_LIMIT,
    Position,
    Sort,
    SortDirection,
    SortField,
    TodoFilters,
    TodoQuery,
    compare_positions,
)
from todo_service.domain import InvalidValueError, Priority


def test_the_default_sort_is_newest_first() -> None:
    assert str(Sort()) == "created_at:desc"


@pytest.mark.parametrize("text", ["title:asc", "priority:desc", "due_at:asc", "updated_at:desc"])
def test_every_contract_sort_parses(text: str) -> None:
    assert str(Sort.parse(text)) == text


@pytest.mark.parametrize(
    "text", ["", "title", "title:", "title:up", "owner_id:asc", "title; DROP TABLE todos", "id:asc"]
)
def test_anything_else_is_refused_before_it_can_reach_an_adapter(text: str) -> None:
    with pytest.raises(InvalidValueError, match=r"sort must be <field>:<asc\|desc>"):
        Sort.parse(text)


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (MAX_LIMIT + 1, 0), (20, -1)])
def test_limits_and_offsets_out_of_range_are_refused(limit: int, offset: int) -> None:
    with pytest.raises(InvalidValueError):
        TodoQuery(limit=limit, offset=offset)


def test_a_cursor_position_cannot_be_combined_with_an_offset() -> None:
    with pytest.raises(InvalidValueError, match="cursor cannot be combined"):
        TodoQuery(offset=5, after=Position(T0, uuid.uuid4()))


def test_search_text_matches_case_insensitively_and_treats_wildcards_literally() -> None:
    assert TodoFilters(title_contains="MILK").matches(make_todo(title="Buy milk"))
    assert not TodoFilters(title_contains="%").matches(make_todo(title="Buy milk"))
    assert TodoFilters(title_contains="50%").matches(make_todo(title="Save 50% now"))
    assert not TodoFilters(title_contains="a_c").matches(make_todo(title="abc"))


def test_due_bounds_are_exclusive_and_never_match_todos_without_a_due_date() -> None:
    due = make_todo(due_at=T0)
    assert not TodoFilters(due_before=T0).matches(due)
    assert TodoFilters(due_before=T0 + timedelta(seconds=1)).matches(due)
    assert not TodoFilters(due_after=T0).matches(due)
    assert not TodoFilters(due_after=T0 - timedelta(days=1)).matches(make_todo())


def test_an_empty_search_is_no_filter() -> None:
    assert TodoFilters(title_contains="") == TodoFilters()


def test_filters_refuse_text_that_no_database_can_store() -> None:
    with pytest.raises(InvalidValueError, match="q"):
        TodoFilters(title_contains="a\x00")
    with pytest.raises(InvalidValueError, match="q"):
        TodoFilters(title_contains="\ud800")


def test_filters_combine() -> None:
    todo = make_todo(title="Call mum", priority=Priority.HIGH)
    assert TodoFilters(priority=Priority.HIGH, title_contains="mum", completed=False).matches(todo)
    assert not TodoFilters(priority=Priority.HIGH, completed=True).matches(todo)


values = {
    SortField.CREATED_AT: st.sampled_from([T0, T0 + timedelta(seconds=1)]),
    SortField.DUE_AT: st.sampled_from([None, T0, T0 + timedelta(seconds=1)]),
    SortField.PRIORITY: st.integers(0, 2),
    SortField.TITLE: st.sampled_from(["a", "B", "b"]),
}
positions_for = {
    field: st.builds(Position, strategy, st.sampled_from([uuid.UUID(int=i) for i in range(3)]))
    for field, strategy in values.items()
}
fields_and_positions = st.sampled_from(list(values)).flatmap(
    lambda f: st.tuples(st.just(f), st.lists(positions_for[f], min_size=1, max_size=6))
)


@given(fields_and_positions, st.sampled_from(SortDirection))
def test_the_listing_order_is_a_total_order(
    field_and_positions: tuple[SortField, list[Position]], direction: SortDirection
) -> None:
    _, positions = field_and_positions

    def cmp(a: Position, b: Position) -> int:
        return compare_positions(a, b, direction)

    for a in positions:
        assert cmp(a, a) == 0
        for b in positions:
            assert cmp(a, b) == -cmp(b, a)
            assert (cmp(a, b) == 0) == (a == b)
            for c in positions:
                if cmp(a, b) <= 0 and cmp(b, c) <= 0:
                    assert cmp(a, c) <= 0


@given(fields_and_positions, st.sampled_from(SortDirection))
def test_missing_values_come_last_and_the_rest_follow_the_direction(
    field_and_positions: tuple[SortField, list[Position]], direction: SortDirection
) -> None:
    _, positions = field_and_positions

    def cmp(a: Position, b: Position) -> int:
        return compare_positions(a, b, direction)

    ordered = sorted(positions, key=cmp_to_key(cmp))
    present = [p for p in ordered if p.value is not None]
    assert ordered[len(present) :] == [p for p in ordered if p.value is None]
    keys = [(p.value, p.id) for p in present]
    assert keys == sorted(keys, reverse=direction is SortDirection.DESC)
