import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import ALICE, BOB, CURSOR_SECRET, T0
from todo_service.application.cursors import CursorCodec
from todo_service.application.listing import Position, Sort, SortField, TodoFilters
from todo_service.domain import InvalidValueError, Priority

sut = CursorCodec(CURSOR_SECRET)
FILTERS = TodoFilters(priority=Priority.HIGH)
SORT = Sort.parse("due_at:asc")
POSITION = Position(T0, uuid.uuid4())


@given(
    st.one_of(
        st.tuples(st.just("created_at:desc"), st.datetimes(timezones=st.just(UTC))),
        st.tuples(st.just("due_at:asc"), st.none()),
        st.tuples(st.just("priority:desc"), st.integers(0, 2)),
        st.tuples(st.just("title:asc"), st.text(max_size=200)),
        st.tuples(st.just("title:desc"), st.just("\U0001d58f" * 200)),
    ),
    st.uuids(),
)
def test_a_cursor_decodes_to_the_position_it_was_made_from(
    sort_and_value: tuple[str, datetime | int | str | None], todo_id: uuid.UUID
) -> None:
    sort_text, value = sort_and_value
    sort, position = Sort.parse(sort_text), Position(value, todo_id)
    cursor = sut.encode(ALICE, FILTERS, sort, position)
    assert sut.decode(cursor, ALICE, FILTERS, sort) == position


def test_a_cursor_is_opaque() -> None:
    cursor = sut.encode(ALICE, FILTERS, SORT, POSITION)
    assert str(POSITION.id) not in cursor
    assert "alice" not in cursor


def _refused(cursor: str, **scope: object) -> None:
    args = {"owner_id": ALICE, "filters": FILTERS, "sort": SORT} | scope
    with pytest.raises(InvalidValueError, match="cursor is invalid"):
        sut.decode(cursor, **args)  # type: ignore[arg-type]


def test_another_users_cursor_is_refused() -> None:
    _refused(sut.encode(BOB, FILTERS, SORT, POSITION))


def test_a_cursor_replayed_against_other_filters_or_another_sort_is_refused() -> None:
    cursor = sut.encode(ALICE, FILTERS, SORT, POSITION)
    _refused(cursor, filters=TodoFilters())
    _refused(cursor, sort=Sort(SortField.DUE_AT))


def test_a_cursor_signed_with_another_key_is_refused() -> None:
    _refused(CursorCodec(b"x" * 32).encode(ALICE, FILTERS, SORT, POSITION))


@given(st.data())
def test_any_tampering_is_refused(data: st.DataObject) -> None:
    cursor = sut.encode(ALICE, FILTERS, SORT, POSITION)
    index = data.draw(st.integers(0, len(cursor) - 1))
    replacement = data.draw(st.characters(codec="ascii").filter(lambda c: c != cursor[index]))
    tampered = cursor[:index] + replacement + cursor[index + 1 :]
    with pytest.raises(InvalidValueError, match="cursor is invalid"):
        sut.decode(tampered, ALICE, FILTERS, SORT)


@pytest.mark.parametrize("garbage", ["", ".", "abc", "a.b.c", "é", "x" * 10_000, "%00"])
def test_garbage_is_refused_not_crashed(garbage: str) -> None:
    _refused(garbage)


def test_a_short_secret_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        CursorCodec(b"short")
