"""Where a move or a new todo lands in a list, and what it renumbers to get there."""

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from todo_service.domain.ordering import ORDER_STEP, Room, make_room, order_between
from todo_service.domain.values import MAX_ORDER, MIN_ORDER

orders = st.integers(MIN_ORDER, MAX_ORDER)
# Crowded lists: orders drawn from a narrow band, with ties, so that gaps run out.
crowded = st.lists(st.integers(-6, 6), max_size=30).map(sorted)
anywhere = st.lists(orders, max_size=30).map(sorted)


def test_an_empty_list_places_its_first_todo_at_0() -> None:
    assert order_between(None, None) == 0


def test_the_ends_are_one_step_past_the_neighbour() -> None:
    assert order_between(None, 100) == 100 - ORDER_STEP
    assert order_between(100, None) == 100 + ORDER_STEP


def test_between_two_todos_is_halfway() -> None:
    assert order_between(10, 20) == 15


def test_no_integer_between_neighbours_one_apart_or_tied() -> None:
    assert order_between(10, 11) is None
    assert order_between(10, 10) is None


def test_an_end_at_the_last_valid_order_has_no_room_past_it() -> None:
    assert order_between(MAX_ORDER, None) is None
    assert order_between(None, MIN_ORDER) is None
    assert order_between(MAX_ORDER - 4, None) == MAX_ORDER - 2


@given(st.one_of(st.none(), orders), st.one_of(st.none(), orders))
def test_a_free_order_lies_strictly_between_and_is_valid(
    before: int | None, after: int | None
) -> None:
    if before is not None and after is not None and before > after:
        before, after = after, before
    found = order_between(before, after)
    if found is None:
        assert before is not None or after is not None
        return
    assert MIN_ORDER <= found <= MAX_ORDER
    assert before is None or before < found
    assert after is None or found < after


def _apply(listed: list[int], gap: int, room: Room) -> list[int]:
    """The list's orders after placing a todo at `gap` (its index) with `room`."""
    before, after = listed[:gap], listed[gap:]
    renumbered_before = list(reversed(room.before))
    kept_before = before[: len(before) - len(renumbered_before)]
    kept_after = after[len(room.after) :]
    return [*kept_before, *renumbered_before, room.order, *room.after, *kept_after]


@given(st.one_of(crowded, anywhere), st.data())
def test_a_placement_keeps_the_list_strictly_ordered_around_the_placed_todo(
    listed: list[int], data: st.DataObject
) -> None:
    gap = data.draw(st.integers(0, len(listed)))
    room = make_room(reversed(listed[:gap]), iter(listed[gap:]))
    after = _apply(listed, gap, room)

    assert all(MIN_ORDER <= order <= MAX_ORDER for order in after)
    # The window of renumbered todos and the placed one ascend strictly, inside the
    # neighbours that kept their orders: the list reads as before, plus the placed todo.
    window_start = gap - len(room.before)
    window = after[window_start : gap + 1 + len(room.after)]
    assert window == sorted(set(window))
    if window_start > 0:
        assert after[window_start - 1] < window[0]
    if gap + len(room.after) < len(listed):
        assert window[-1] < after[gap + 1 + len(room.after)]


@given(st.one_of(crowded, anywhere), st.data())
def test_nothing_is_renumbered_while_the_gap_has_a_free_integer(
    listed: list[int], data: st.DataObject
) -> None:
    gap = data.draw(st.integers(0, len(listed)))
    room = make_room(reversed(listed[:gap]), iter(listed[gap:]))
    before = listed[gap - 1] if gap else None
    after = listed[gap] if gap < len(listed) else None
    free = order_between(before, after)
    if free is not None:
        assert room == Room(free)
    else:
        assert room.before or room.after


def test_a_crowded_gap_renumbers_only_its_nearest_neighbours() -> None:
    listed = [0, 1000, 1001, 1002, 5000]
    room = make_room(reversed(listed[:2]), iter(listed[2:]))  # between 1000 and 1001
    # Only 1000 moves: spread with the placed todo between 0 and 1001, room left around each.
    assert room == Room(order=666, before=(333,))
    assert _apply(listed, 2, room) == [0, 333, 666, 1001, 1002, 5000]


def test_a_dense_run_is_renumbered_as_far_as_an_end_with_room() -> None:
    listed = list(range(1, 11))  # orders a client set by hand: no integer free anywhere
    room = make_room(reversed(listed[:5]), iter(listed[5:]))
    after = _apply(listed, 5, room)
    assert after == sorted(set(after))
    assert len(after) == 11


def test_the_walk_reads_each_side_only_as_far_as_it_needs() -> None:
    read: list[int] = []

    def walk(values: list[int]) -> Iterator[int]:
        for value in values:
            read.append(value)
            yield value

    make_room(walk([10, 9, 8, 7, 6]), walk([20, 21, 22]))
    assert read == [10, 20]


@pytest.mark.parametrize("end", [MIN_ORDER, MAX_ORDER])
def test_a_list_crowded_at_an_end_of_the_range_still_finds_room(end: int) -> None:
    listed = [end] * 5  # tied: read by id
    room = make_room(reversed(listed), iter(()))
    after = _apply(listed, len(listed), room)
    assert after == sorted(after)
    assert after[-2] < after[-1] == room.order
    assert all(MIN_ORDER <= order <= MAX_ORDER for order in after)
